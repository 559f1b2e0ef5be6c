"""Every sample in samples/ gives its README outcome, through `intake_email` and `POST /api/intake/email`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bookings.models import Charter, CharterConflict, CharterSource, CharterStatus
from crew.models import CrewAssignment
from intake.models import IntakeMessage, MessageState
from intake.tests.conftest import sample

pytestmark = pytest.mark.django_db
LA = ZoneInfo("America/Los_Angeles")
TOKEN = "test-intake-token-0123456789"


def _imported() -> Any:
    """Charters intake made (the demo's own charter XHQGMDH left out)."""
    return Charter.objects.exclude(code="XHQGMDH")


def _charter(source: str, booking_id: str) -> Charter:
    return Charter.objects.get(source=source, marketplace_booking_id=booking_id)


def test_boatsetter_confirmation_creates_the_charter_with_money_in_financial_fields(
    demo: Any, intake_email: Callable[..., str]
) -> None:
    out = intake_email(sample("boatsetter-confirmed.eml"))
    charter = _charter(CharterSource.BOATSETTER, "4829113")
    assert out == f"created {charter.code}"
    assert charter.status == CharterStatus.INQUIRY  # the demo sources do not auto-confirm
    assert (charter.vessel.name, charter.brand.slug) == ("JADA", "queenofsandiego")
    assert charter.starts_at == datetime(2027, 5, 29, 14, 0, tzinfo=LA)
    assert charter.ends_at == datetime(2027, 5, 29, 17, 0, tzinfo=LA)
    assert (charter.party_size, charter.guest_name, charter.guest_phone) == (6, "Jordan Avery", "+1 (619) 555-0188")
    assert charter.guest_email == "jordan.avery.r7k2@renter.boatsetter.com"
    assert charter.meeting_point.startswith("Shelter Island Marina, 2051 Shelter Island Dr")
    assert (charter.gross_revenue, charter.platform_fee, charter.payout) == (
        Decimal("1450.00"),
        Decimal("217.50"),
        Decimal("1232.50"),
    )
    assert "bring 2 coolers" in charter.crew_notes
    for notes in (charter.crew_notes, charter.guest_notes, charter.internal_notes):
        assert "$" not in notes and "1,450" not in notes and "217" not in notes
    captain = CrewAssignment.objects.get(charter=charter)
    assert (captain.crew_member.name, captain.role) == ("Marco Reyes", "captain")


def test_the_same_message_twice_changes_nothing(demo: Any, intake_email: Callable[..., str]) -> None:
    first = intake_email(sample("boatsetter-confirmed.eml"))
    before = _imported().get().updated_at
    assert intake_email(sample("boatsetter-confirmed.eml")) == first.replace("created", "unchanged")
    assert _imported().count() == 1 and IntakeMessage.objects.count() == 1
    assert _imported().get().updated_at == before


def test_modified_then_cancelled_update_the_same_charter(demo: Any, intake_email: Callable[..., str]) -> None:
    intake_email(sample("boatsetter-confirmed.eml"))
    charter = _charter(CharterSource.BOATSETTER, "4829113")
    assert intake_email(sample("boatsetter-modified.eml")) == f"updated {charter.code}"
    charter.refresh_from_db()
    assert (charter.starts_at, charter.ends_at) == (
        datetime(2027, 5, 29, 15, 0, tzinfo=LA),
        datetime(2027, 5, 29, 18, 0, tzinfo=LA),
    )
    assert charter.party_size == 8 and charter.guest_name == "Jordan Avery"  # kept: the change leaves it out
    assert intake_email(sample("boatsetter-cancelled.eml")) == f"cancelled {charter.code}"
    charter.refresh_from_db()
    assert charter.status == CharterStatus.CANCELLED
    assert charter.payout == Decimal("616.25")  # the cancellation payout, office side only
    assert "616" not in charter.crew_notes + charter.guest_notes + charter.internal_notes
    assert _imported().count() == 1


def test_boatsetter_request_is_an_inquiry_even_when_the_source_auto_confirms(
    demo: Any, intake_email: Callable[..., str]
) -> None:
    demo["boatsetter"].auto_confirm = True
    demo["boatsetter"].save()
    out = intake_email(sample("boatsetter-request.eml"))
    charter = _charter(CharterSource.BOATSETTER, "4830557")
    assert out == f"created {charter.code}"
    assert charter.status == CharterStatus.INQUIRY
    assert charter.starts_at == datetime(2027, 7, 4, 18, 30, tzinfo=LA)
    assert charter.ends_at == datetime(2027, 7, 4, 21, 30, tzinfo=LA)
    assert (charter.party_size, charter.guest_name) == (10, "Sam Okafor")
    assert (charter.gross_revenue, charter.payout) == (Decimal("1890.00"), Decimal("1606.50"))


def test_getmyboat_html_only_base64_confirmation_then_cancellation(demo: Any, intake_email: Callable[..., str]) -> None:
    out = intake_email(sample("getmyboat-confirmed.eml"))
    charter = _charter(CharterSource.GETMYBOAT, "77120934")
    assert out == f"created {charter.code}"
    assert charter.vessel.name == "JADA"  # by the listing's alias, not the vessel's name
    assert charter.starts_at == datetime(2027, 6, 13, 10, 0, tzinfo=LA)
    assert charter.ends_at == datetime(2027, 6, 13, 13, 0, tzinfo=LA)
    assert (charter.party_size, charter.guest_name, charter.guest_phone) == (4, "Priya Natarajan", "+1 858-555-0143")
    assert charter.payout == Decimal("910.00") and charter.gross_revenue is None
    assert "uses a cane" in charter.crew_notes
    assert not CrewAssignment.objects.filter(charter=charter).exists()  # "Provided by owner" is nobody of ours
    assert intake_email(sample("getmyboat-cancelled.eml")) == f"cancelled {charter.code}"
    assert _imported().get().status == CharterStatus.CANCELLED


def test_newsletter_lands_in_review_and_makes_no_charter(demo: Any, intake_email: Callable[..., str]) -> None:
    out = intake_email(sample("boatsetter-newsletter.eml"))
    message = IntakeMessage.objects.get()
    assert out == f"review {message.pk}"
    assert message.state == MessageState.REVIEW
    assert "Not a booking message" in message.problem
    assert bytes(message.raw) == sample("boatsetter-newsletter.eml")  # kept whole
    assert not _imported().exists()


def test_cancellation_of_an_unknown_booking_goes_to_review(demo: Any, intake_email: Callable[..., str]) -> None:
    out = intake_email(sample("boatsetter-cancelled.eml"))
    message = IntakeMessage.objects.get()
    assert out == f"review {message.pk}"
    assert "nothing to cancel" in message.problem


def test_a_message_from_nobody_we_know_goes_to_review(demo: Any, intake_email: Callable[..., str]) -> None:
    raw = sample("boatsetter-confirmed.eml").replace(b"boatsetter.com", b"example.org")
    out = intake_email(raw)
    assert out.startswith("review ") and "No intake source" in IntakeMessage.objects.get().problem
    assert not _imported().exists()


def test_missing_required_field_goes_to_review_with_what_was_found(demo: Any, intake_email: Callable[..., str]) -> None:
    raw = (
        sample("boatsetter-request.eml")
        .replace(b"Departure time: 6:30 PM (PDT)\n", b"")
        .replace(b"Duration: 3 hours\n", b"")
    )
    raw = raw.replace(b"Return time: 9:30 PM (PDT)\n", b"")
    out = intake_email(raw)
    message = IntakeMessage.objects.get()
    assert out == f"review {message.pk}"
    assert message.problem == "Missing starts_at, ends_at in a request message."
    assert message.fields["guest_name"] == "Sam Okafor" and message.fields["booking_id"] == "4830557"


def test_overlapping_bookings_from_two_marketplaces_open_a_conflict(
    demo: Any, intake_email: Callable[..., str]
) -> None:
    intake_email(sample("boatsetter-confirmed.eml"))
    boatsetter = _charter(CharterSource.BOATSETTER, "4829113")
    raw = sample("getmyboat-confirmed.eml")  # moved onto the Boatsetter booking's afternoon
    import base64

    head, _, body = raw.partition(b"\n\n")
    html = base64.b64decode(body).replace(b"Sun, Jun 13, 2027 10:00 AM", b"Sat, May 29, 2027 3:00 PM")
    html = html.replace(b"Sun, Jun 13, 2027 1:00 PM", b"Sat, May 29, 2027 6:00 PM")
    out = intake_email(head + b"\n\n" + base64.encodebytes(html))
    getmyboat = _charter(CharterSource.GETMYBOAT, "77120934")
    assert out == f"conflict {getmyboat.code} with {boatsetter.code}"
    conflict = CharterConflict.objects.get()
    assert {conflict.charter, conflict.other} == {boatsetter, getmyboat}


@pytest.mark.parametrize(
    "name",
    [
        "boatsetter-confirmed.eml",
        "boatsetter-request.eml",
        "getmyboat-confirmed.eml",
        "boatsetter-newsletter.eml",
    ],
)
def test_api_gives_the_same_outcomes(
    demo: Any, settings: Any, wsgi_transport: httpx.WSGITransport, name: str, django_capture_on_commit_callbacks: Any
) -> None:
    settings.INTAKE_TOKEN = TOKEN
    client = httpx.Client(transport=wsgi_transport, base_url="http://testserver")
    with client, django_capture_on_commit_callbacks(execute=True):
        first = client.post(
            "/api/intake/email",
            content=sample(name),
            headers={"X-Intake-Token": TOKEN, "Content-Type": "message/rfc822"},
        )
        again = client.post(
            "/api/intake/email",
            content=sample(name),
            headers={"X-Intake-Token": TOKEN, "Content-Type": "message/rfc822"},
        )
    assert first.status_code == 202, first.text
    body = first.json()
    message = IntakeMessage.objects.get()
    if name == "boatsetter-newsletter.eml":
        assert body["outcome"] == f"review {message.pk}" and body["charter"] is None
        assert again.json()["outcome"] == body["outcome"]
    else:
        charter = _imported().get()
        assert body == {
            "outcome": f"created {charter.code}",
            "message": message.pk,
            "state": "processed",
            "charter": charter.code,
        }
        assert again.json()["outcome"] == f"unchanged {charter.code}"
    assert _imported().count() == (0 if name == "boatsetter-newsletter.eml" else 1)


def test_api_refuses_without_configuration_or_token(
    demo: Any, settings: Any, wsgi_transport: httpx.WSGITransport
) -> None:
    with httpx.Client(transport=wsgi_transport, base_url="http://testserver") as client:
        settings.INTAKE_TOKEN = None
        unset = client.post("/api/intake/email", content=b"x", headers={"Content-Type": "message/rfc822"})
        settings.INTAKE_TOKEN = TOKEN
        wrong = client.post(
            "/api/intake/email", content=b"x", headers={"X-Intake-Token": "nope" * 30, "Content-Type": "message/rfc822"}
        )
        huge = client.post(
            "/api/intake/email",
            content=b"x" * 1_000_001,
            headers={"X-Intake-Token": TOKEN, "Content-Type": "message/rfc822"},
        )
        json_body = client.post(
            "/api/intake/email", content=b"{}", headers={"X-Intake-Token": TOKEN, "Content-Type": "application/json"}
        )
        empty = client.post(
            "/api/intake/email", content=b"", headers={"X-Intake-Token": TOKEN, "Content-Type": "message/rfc822"}
        )
    assert (unset.status_code, unset.json()["error"]) == (
        503,
        "E-mail intake is not configured: INTAKE_TOKEN is not set on the server.",
    )
    assert (wrong.status_code, wrong.json()["field"]) == (401, "X-Intake-Token")
    assert (huge.status_code, huge.json()["field"]) == (413, "body")
    assert (json_body.status_code, json_body.json()["field"]) == (415, "Content-Type")
    assert (empty.status_code, empty.json()["error"]) == (400, "The message is empty.")
    assert not IntakeMessage.objects.exists()
