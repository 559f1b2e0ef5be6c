"""Busy feeds out: what a marketplace imports to block JADA's taken hours — and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.test import Client

from bookings import flow
from bookings.models import Charter
from intake.models import VesselListing
from intake.tests.conftest import sample

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")


def _events(client: Client, listing: VesselListing) -> list[Any]:
    response = client.get(f"/feeds/vessels/{listing.vessel.slug}/{listing.busy_feed_token}.ics")
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    return list(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))


def test_each_marketplace_gets_the_other_bookings_as_busy_blocks_without_guest_or_money(
    demo: Any, client: Client, intake_email: Callable[..., str]
) -> None:
    intake_email(sample("boatsetter-confirmed.eml"))
    intake_email(sample("getmyboat-confirmed.eml"))
    boatsetter = Charter.objects.get(marketplace_booking_id="4829113")
    gmb_listing = VesselListing.objects.get(source=demo["getmyboat"])
    bs_listing = VesselListing.objects.get(source=demo["boatsetter"])

    for_getmyboat = _events(client, gmb_listing)
    # Boatsetter's booking (and the demo's own Boatsetter charter) — never GetMyBoat's own booking.
    starts = sorted(e.decoded("DTSTART") for e in for_getmyboat)
    assert datetime(2027, 5, 29, 21, 0, tzinfo=UTC) in starts
    assert datetime(2027, 6, 13, 17, 0, tzinfo=UTC) not in starts
    block = next(e for e in for_getmyboat if e.decoded("DTSTART") == datetime(2027, 5, 29, 21, 0, tzinfo=UTC))
    assert block.decoded("DTEND") == datetime(2027, 5, 30, 0, 30, tzinfo=UTC)  # 17:00 PDT + 30 min turnaround
    body = b"".join(e.to_ical() for e in for_getmyboat).decode()
    for private in ("Jordan", "Avery", "1450", "1,450", "1232", boatsetter.code, "coolers", "+1"):
        assert private not in body, private
    assert {str(e["SUMMARY"]) for e in for_getmyboat} == {"Busy"}

    for_boatsetter = _events(client, bs_listing)
    assert [e.decoded("DTSTART") for e in for_boatsetter] == [datetime(2027, 6, 13, 17, 0, tzinfo=UTC)]

    # Stable UIDs: a move changes the block, not its identity; a cancellation removes it.
    uid = str(block["UID"])
    new_start = boatsetter.starts_at + timedelta(hours=1)
    flow.charter_reschedule(charter=boatsetter, starts_at=new_start, ends_at=new_start + timedelta(hours=3), actor="t")
    moved = next(e for e in _events(client, gmb_listing) if str(e["UID"]) == uid)
    assert moved.decoded("DTSTART") == datetime(2027, 5, 29, 22, 0, tzinfo=UTC)
    flow.charter_cancel(charter=boatsetter, actor="t")
    assert uid not in {str(e["UID"]) for e in _events(client, gmb_listing)}


def test_a_wrong_token_or_slug_is_404(demo: Any, client: Client) -> None:
    listing = VesselListing.objects.get(source=demo["getmyboat"])
    assert client.get(f"/feeds/vessels/jada/{'x' * 32}.ics").status_code == 404
    assert client.get(f"/feeds/vessels/other/{listing.busy_feed_token}.ics").status_code == 404
    assert client.get(f"/feeds/vessels/jada/{'y' * 500}.ics").status_code == 404
