"""The intake admin: pages open with rows in them, the review queue fixes and accepts in one step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse

from bookings.models import Charter, CharterConflict
from intake import admin as intake_admin
from intake.feeds import feed_add
from intake.models import FeedEvent, IntakeMessage, MessageState, VesselListing
from intake.tests.conftest import sample
from jada.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-for-tests-only"))
    return client


def test_intake_pages_open_and_show_what_staff_need(demo: Any, staff: Client, intake_email: Callable[..., str]) -> None:
    intake_email(sample("boatsetter-confirmed.eml"))
    intake_email(sample("boatsetter-newsletter.eml"))
    vessel = Charter.objects.get(marketplace_booking_id="4829113").vessel
    feed, _ = feed_add(source=demo["boatsetter"], vessel=vessel, url="https://example.com/a.ics")
    feed.last_error = "HTTP 500 from the feed."
    feed.save()
    for name in ("intakesource", "intakefeed", "intakemessage", "feedevent"):
        assert staff.get(reverse(f"admin:intake_{name}_changelist")).status_code == 200
    feeds_page = staff.get(reverse("admin:intake_intakefeed_changelist")).content.decode()
    assert "HTTP 500 from the feed." in feeds_page
    listing = VesselListing.objects.get(source=demo["boatsetter"])
    vessel_page = staff.get(reverse("admin:bookings_vessel_change", args=[listing.vessel.pk])).content.decode()
    assert f"http://testserver/feeds/vessels/jada/{listing.busy_feed_token}.ics" in vessel_page
    assert staff.get(reverse("admin:intake_intakefeed_change", args=[feed.pk])).status_code == 200
    assert not FeedEvent.objects.exists()


@pytest.mark.django_db(transaction=True)  # real transactions: the accept must run outside the admin's
def test_review_queue_shows_the_raw_message_and_accepts_fixed_fields(
    demo: Any, staff: Client, intake_email: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = sample("boatsetter-request.eml").replace(b"Boat: JADA - 47' Catalina Sailboat\n", b"Boat: Mystery boat\n")
    raw = raw.replace(b"for JADA (#", b"for a boat (#")
    out = intake_email(raw)
    message = IntakeMessage.objects.get()
    assert out == f"review {message.pk}" and message.problem == "Missing vessel in a request message."
    url = reverse("admin:intake_intakemessage_change", args=[message.pk])
    page = staff.get(url).content.decode()
    assert "Boat: Mystery boat" in page  # the raw message beside the fields
    assert 'value="Sam Okafor"' in page and 'value="4830557"' in page
    form = {
        "accept_source": demo["boatsetter"].pk,
        "accept_kind": "request",
        "booking_id": "4830557",
        "vessel": "JADA",
        "starts_at": "2027-07-04 18:30",
        "ends_at": "2027-07-04 21:30",
        "guest_name": "Sam Okafor",
        "party_size": "10",
        "total": "1890.00",
        "_accept": "Accept",
    }
    in_transaction: list[bool] = []
    real_accept = intake_admin.intake_message_accept

    def spy(**kwargs: Any) -> Any:
        in_transaction.append(transaction.get_connection().in_atomic_block)
        return real_accept(**kwargs)

    monkeypatch.setattr(intake_admin, "intake_message_accept", spy)
    response = staff.post(url, form, follow=True)
    assert in_transaction == [False]  # the flow's durable transactions can start
    charter = Charter.objects.get(marketplace_booking_id="4830557")
    assert f"Accepted: created {charter.code}." in response.content.decode()
    message.refresh_from_db()
    assert (message.state, message.charter) == (MessageState.ACCEPTED, charter)
    assert str(charter.gross_revenue) == "1890.00" and charter.vessel.name == "JADA"
    assert AuditEntry.objects.filter(action="intake.message_accept", actor__username="boss").exists()


def test_conflicted_charter_is_red_in_the_changelist(
    demo: Any, staff: Client, intake_email: Callable[..., str]
) -> None:
    intake_email(sample("boatsetter-confirmed.eml"))
    import base64

    head, _, body = sample("getmyboat-confirmed.eml").partition(b"\n\n")
    html = base64.b64decode(body).replace(b"Sun, Jun 13, 2027 10:00 AM", b"Sat, May 29, 2027 3:00 PM")
    html = html.replace(b"Sun, Jun 13, 2027 1:00 PM", b"Sat, May 29, 2027 6:00 PM")
    intake_email(head + b"\n\n" + base64.encodebytes(html))
    assert CharterConflict.objects.count() == 1
    page = staff.get(reverse("admin:bookings_charter_changelist") + "?conflict=open").content.decode()
    assert page.count('class="jada-conflict"') == 2
    calendar = staff.get(reverse("admin:bookings_charter_calendar") + "?date=2027-05-29").content.decode()
    assert calendar.count('<strong class="jada-conflict">conflict</strong>') == 2
    assert staff.get(reverse("admin:bookings_charterconflict_changelist")).status_code == 200
