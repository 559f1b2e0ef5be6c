"""Each crew member's iCalendar feed at a secret URL (``/crew/feed/<token>.ics``).

The rules it keeps:

* **The URL is the credential** (calendar apps cannot sign in): a random per-member token in
  ``CrewFeedToken``; rotating it from the portal makes the old URL answer 404. A deactivated
  member's feed answers 404 too.
* **Stable UIDs** (``crew_event_uid``): the same event keeps the same UID across edits, and
  e-mails use the same function, so a phone updates the event instead of duplicating it.
  ``SEQUENCE`` is the event's version.
* **Same fields as the portal**: the crew-facing record only (``crew.portal.selectors``), and a
  cancelled charter stays in the feed with ``STATUS:CANCELLED`` so the phone removes or strikes
  it instead of silently keeping a stale entry.
* **Every download is logged** (``CrewExposure``, channel feed), one INSERT per download.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from crew.models import CrewFeedToken, CrewMember, ExposureChannel
from crew.portal.selectors import PortalEvent, member_events
from crew.portal.services import crew_exposures_record

UID_DOMAIN = "crew.sailjada.com"
logger = logging.getLogger(__name__)
PRODID = "-//sailjada.com//JADA crew portal//EN"


def crew_event_uid(event_id: str) -> str:
    """The iCalendar UID of crew event ``event_id``, the same in feeds and e-mails."""
    return f"{event_id}@{UID_DOMAIN}"


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def _updated(event: PortalEvent) -> datetime:
    try:
        moment = datetime.fromisoformat(str(event.record.get("updated_at") or ""))
    except ValueError:
        return timezone.now().astimezone(UTC)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _description(event: PortalEvent, portal_url: str) -> str:
    record = event.record
    lines = []
    if record.get("vessel"):
        lines.append(f"Vessel: {record['vessel']}")
    if event.role:
        lines.append(f"Your role: {event.role.capitalize()}")
    if record.get("guest_count") is not None:
        lines.append(f"Guests: {record['guest_count']}")
    if event.others:
        lines.append("Crew: " + ", ".join(f"{o['first_name']} ({o['role']})" for o in event.others))
    if record.get("notes"):
        lines.extend(["", str(record["notes"])])
    lines.extend(["", f"Details: {portal_url}"])
    return "\n".join(lines)


def crew_feed_calendar(member: CrewMember, events: list[PortalEvent], *, base_url: str) -> bytes:
    """The iCalendar document for ``member`` holding ``events`` (crew-facing fields only)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"JADA crew — {member.first_name}")
    calendar.add("x-published-ttl", "PT1H")
    for portal_event in events:
        record = portal_event.record
        entry = Event()
        entry.add("uid", crew_event_uid(portal_event.id))
        entry.add("dtstamp", _updated(portal_event))
        entry.add("last-modified", _updated(portal_event))
        entry.add("sequence", portal_event.version)
        title = str(record.get("title") or "Charter")
        entry.add("summary", f"Cancelled: {title}" if portal_event.cancelled else title)
        start, end = _utc(portal_event.starts), _utc(portal_event.ends)
        if start is not None:
            entry.add("dtstart", start)
        if end is not None:
            entry.add("dtend", end)
        if record.get("meeting_point"):
            entry.add("location", str(record["meeting_point"]))
        url = base_url + reverse("crew:event", args=[portal_event.id])
        entry.add("url", url)
        entry.add("description", _description(portal_event, url))
        entry.add("status", "CANCELLED" if portal_event.cancelled else "CONFIRMED")
        calendar.add_component(entry)
    return bytes(calendar.to_ical())


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed behind a secret URL; 404 for an unknown, rotated or deactivated one."""
    feed_token = CrewFeedToken.objects.filter(token=token).select_related("crew_member", "crew_member__user").first()
    if feed_token is None or not feed_token.crew_member.user.is_active:
        raise Http404("No such calendar feed.")
    member = feed_token.crew_member
    try:
        events = member_events(member)
    except (BotoCoreError, ClientError):
        logger.exception("The calendar feed could not read the crew-events store")
        return HttpResponse("Try again shortly.", status=503, content_type="text/plain", headers={"Retry-After": "300"})
    body = crew_feed_calendar(member, events, base_url=str(settings.SITE_URL))
    crew_exposures_record(member=member, events=events, channel=ExposureChannel.FEED)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="jada-crew.ics"'
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
