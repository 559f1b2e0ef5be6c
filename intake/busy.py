"""Busy feeds out: each vessel's held times, for each marketplace to import (so nothing is sold twice).

The rules it keeps: a busy block says only *busy* — no guest, no money, no charter code (the
code opens the guest page); its UID is stable (derived from the charter and a secret, so a
marketplace updates the block instead of duplicating it); every charter not cancelled holds the
vessel (an inquiry too), with the vessel's turnaround added; and the feed a marketplace fetches
leaves out the charters that came from that marketplace, so nothing echoes back.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import icalendar
from django.conf import settings
from django.utils import timezone

from bookings.models import Charter, CharterStatus
from intake.models import FeedEvent, VesselListing

PAST_WINDOW = timedelta(days=7)


def listing_for_feed(*, slug: str, token: str) -> VesselListing | None:
    listing = (
        VesselListing.objects.select_related("vessel", "source").filter(vessel__slug=slug).filter(busy_feed_token=token)
    )
    return listing.first() if len(token) <= 64 else None


def busy_uid(kind: str, pk: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"busy:{kind}:{pk}".encode(), hashlib.sha256).hexdigest()
    return f"{digest[:24]}@busy.jada"


def busy_feed_ics(*, listing: VesselListing) -> bytes:
    vessel, source = listing.vessel, listing.source
    since = timezone.now() - PAST_WINDOW
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//JADA Ops//Busy feed//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{vessel.name} busy")
    charters = (
        Charter.objects.filter(vessel=vessel, ends_at__gte=since)
        .exclude(status=CharterStatus.CANCELLED)
        .exclude(source=source.kind)
        .order_by("starts_at", "pk")
        .only("pk", "starts_at", "ends_at", "updated_at")
    )
    for charter in charters:
        calendar.add_component(
            _busy(busy_uid("charter", charter.pk), charter.starts_at, charter.ends_at + vessel.turnaround)
        )
    # Owner blocks imported from another marketplace hold the boat here too.
    blocks = FeedEvent.objects.filter(
        feed__vessel=vessel, is_block=True, missing_since__isnull=True, ends_at__gte=since
    ).exclude(feed__source=source)
    for block in blocks:
        calendar.add_component(_busy(busy_uid("block", block.pk), block.starts_at, block.ends_at))
    return calendar.to_ical()


def _busy(uid: str, starts: datetime, ends: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now().replace(microsecond=0).astimezone(UTC))
    event.add("dtstart", starts.astimezone(UTC))
    event.add("dtend", ends.astimezone(UTC))
    event.add("summary", "Busy")
    event.add("transp", "OPAQUE")
    return event
