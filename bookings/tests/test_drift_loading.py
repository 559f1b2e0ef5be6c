"""The drift report reads its ten thousand charters lean, and still finds what a full read finds.

``bookings.drift_charters`` loads only the fields the payloads read, shares each brand and vessel,
and reads the crew as plain rows: the payloads it yields must be the full ones, built without a
query, and drift made behind the flow's back (where no stored fingerprint knows of it) is found.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.calendar_client import CalendarClient
from bookings.drift_charters import PAGE_ROW_FIELDS, drift_charters
from bookings.models import CalendarEntry, Charter, CharterStatus, DriftReport, Vessel
from bookings.payloads import (
    calendar_entry_payload,
    charters_crew,
    crew_event_payload,
    idempotency_key,
    target_fingerprint,
)
from bookings.reconcile import drift_report_create
from bookings.tests.factories import BrandFactory, CharterFactory, VesselFactory
from crew.client import SccClient
from crew.models import CrewMember, CrewRole
from crew.tests.factories import CrewAssignmentFactory, CrewMemberFactory
from guestpages.models import GuestPage
from guestpages.services import guest_page_object_key

DAY = timedelta(days=1)


def found(report: DriftReport) -> set[tuple[str, str, str]]:
    return {(f["charter"], f["target"], f["kind"]) for f in report.findings}


def built(charter: Charter, crew: list[dict[str, str]] | None) -> dict[str, Any]:
    return {
        "page": target_fingerprint("guest_page", charter),
        "calendar": calendar_entry_payload(charter),
        "crew": crew_event_payload(charter, crew=crew),
        "key": guest_page_object_key(charter),
    }


@pytest.mark.django_db
def test_the_reports_charters_build_the_full_payloads_without_a_query() -> None:
    brand, other = BrandFactory(slug="lean"), BrandFactory(slug="leaner", time_zone="America/New_York")
    vessel = VesselFactory(name="Lean One")
    now = timezone.now()
    confirmed = CharterFactory(brand=brand, vessel=vessel, status=CharterStatus.CONFIRMED)
    overnight = CharterFactory(
        brand=other, vessel=vessel, status=CharterStatus.CONFIRMED, starts_at=now + 5 * DAY, ends_at=now + 6 * DAY
    )
    cancelled = CharterFactory(brand=brand, vessel=VesselFactory(name="Lean Two"), status=CharterStatus.CANCELLED)
    long_gone = CharterFactory(
        brand=brand, status=CharterStatus.CANCELLED, starts_at=now - 90 * DAY, ends_at=now - 90 * DAY + DAY / 8
    )
    inquiry = CharterFactory(brand=brand)  # not live: not checked
    CharterFactory(brand=brand, status=CharterStatus.CONFIRMED)  # no target row: not checked
    for charter in (confirmed, overnight, cancelled, long_gone, inquiry):
        GuestPage.objects.create(charter=charter, object_key=guest_page_object_key(charter), bucket=brand.bucket)
    for email, role in (("zed@example.com", CrewRole.DECKHAND), ("amy@example.com", CrewRole.CAPTAIN)):
        CrewAssignmentFactory(charter=confirmed, crew_member=CrewMemberFactory(email=email), role=role)

    charters, brands = drift_charters(since=now - 60 * DAY)
    assert {c.code for c in charters} == {confirmed.code, overnight.code, cancelled.code}  # not no_target's
    assert {b.pk for b in brands} >= {brand.pk, other.pk}
    crew = charters_crew([c.pk for c in charters])
    with CaptureQueriesContext(connection) as queries:
        lean = {c.code: built(c, crew.get(c.pk, [])) for c in charters}
        rows = [[getattr(c.guest_page, name) for name in PAGE_ROW_FIELDS] for c in charters]
    assert queries.captured_queries == [] and len(rows) == 3
    full = {c.code: built(Charter.objects.get(pk=c.pk), None) for c in charters}
    assert lean == full
    assert [e["email"] for e in lean[confirmed.code]["crew"]["crew"]] == ["amy@example.com", "zed@example.com"]


live = pytest.mark.django_db(transaction=True)


@live
def test_an_edit_behind_the_flows_back_is_found_on_every_target(confirmed: Charter) -> None:
    # No target row was told (its wanted fingerprint is the old one): only building what each
    # target should hold now finds these.
    Charter.objects.filter(pk=confirmed.pk).update(meeting_point="Dock 12, Harbor Island")
    report = drift_report_create()
    assert found(report) == {
        (confirmed.code, "guest_page", "content_differs"),
        (confirmed.code, "calendar_entry", "content_differs"),
        (confirmed.code, "crew_event", "content_differs"),
    }
    details = {f["target"]: f["detail"] for f in report.findings}
    assert details["calendar_entry"] == details["crew_event"] == "differs in meeting_point"

    Charter.objects.filter(pk=confirmed.pk).update(meeting_point=confirmed.meeting_point)
    Vessel.objects.filter(pk=confirmed.vessel_id).update(name="Renamed")
    CrewMember.objects.filter(assignments__charter=confirmed).update(name="Someone Else")
    report = drift_report_create()
    details = {f["target"]: f["detail"] for f in report.findings}
    assert details["calendar_entry"] == "differs in title, vessel"
    assert details["crew_event"] == "differs in title, vessel, crew"
    assert details["guest_page"].endswith("differs")


@live
def test_the_report_makes_as_many_queries_for_three_charters_as_for_one(confirmed: Charter) -> None:
    drift_report_create()  # anything done once per process stays out of the count
    with CaptureQueriesContext(connection) as one:
        drift_report_create()
    for n in range(2):
        charter = CharterFactory(brand=confirmed.brand, vessel=VesselFactory(name=f"Extra {n}"), status="confirmed")
        GuestPage.objects.create(charter=charter, object_key=guest_page_object_key(charter), bucket="elsewhere")
        CalendarEntry.objects.create(charter=charter)
        CrewAssignmentFactory(charter=charter)
    with CaptureQueriesContext(connection) as three:
        report = drift_report_create()
    assert len(found(report)) == 6  # the two new charters' targets were never pushed: missing
    assert len(three.captured_queries) == len(one.captured_queries), [q["sql"] for q in three.captured_queries]


@live
def test_a_legacy_scc_is_read_event_by_event_and_its_drift_found(
    confirmed: Charter, monkeypatch: pytest.MonkeyPatch
) -> None:
    scc = SccClient()
    event = scc.event_find(confirmed.code) or {}
    scc.event_patch(event["id"], {"notes": "Dock 9 now."})
    asked: list[str] = []
    real = SccClient._request

    def counted(self: SccClient, method: str, url: str, **kwargs: Any) -> Any:
        asked.append(f"{method} {url.rsplit('/api/scc', 1)[-1]}")
        return real(self, method, url, **kwargs)

    monkeypatch.setattr(SccClient, "events_find", lambda self, refs, **_: None)  # no batch read
    monkeypatch.setattr(SccClient, "_request", counted)
    report = drift_report_create()
    assert asked == [f"GET /events/{event['id']}"]  # by the id its row recorded
    assert found(report) == {(confirmed.code, "crew_event", "content_differs")}
    assert report.findings[0]["detail"] == "differs in notes"


@live
def test_a_calendar_entry_of_no_charter_of_ours_is_an_orphan(confirmed: Charter) -> None:
    calendar = CalendarClient()
    unchecked = CharterFactory(brand=confirmed.brand, vessel=VesselFactory(name="Unchecked"))  # an inquiry
    CalendarEntry.objects.create(charter=unchecked)
    for code in ("NOSUCHX", unchecked.code):
        payload = {**calendar_entry_payload(confirmed), "charter_id": code}
        calendar.entry_upsert(payload, idempotency_key=idempotency_key("calendar", payload))
    report = drift_report_create()
    # The inquiry's entry has a row of ours (an entry pushed before it went back to inquiry): not
    # an orphan, and not checked either.
    assert found(report) == {("NOSUCHX", "calendar_entry", "orphan")}


@live
def test_buckets_that_cannot_be_listed_leave_their_pages_unchecked(confirmed: Charter, settings: Any) -> None:
    from bookings.models import Brand
    from jada.aws import aws_clients_reset

    settings.AWS_SERVICE_ENDPOINT_URLS = {**settings.AWS_SERVICE_ENDPOINT_URLS, "S3": "http://127.0.0.1:9"}
    aws_clients_reset()  # S3 unreachable from here on; the calendar and SCC answer as before
    report = drift_report_create()
    assert found(report) == {("", "guest_page", "unchecked"), (confirmed.code, "guest_page", "unchecked")}
    unlisted = sorted(f["detail"].split(":")[0] for f in report.findings if not f["charter"])
    assert unlisted == sorted(f"{brand.bucket} could not be listed" for brand in Brand.objects.all())
