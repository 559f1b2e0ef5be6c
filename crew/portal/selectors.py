"""What the crew portal reads: one crew member's events, from the crew-facing store in DynamoDB.

Why it looks like this:

* **The only door to the store.** The portal and the feed reach DynamoDB only through the two
  functions here (which call ``crew.dynamo``), so what a crew member can see is decided in one
  place: an event is theirs only if its own ``crew`` list names their e-mail. A stale index
  entry (say, a removal whose link delete lost a race) therefore never shows an event.
* **Crew-facing records only.** ``crew.dynamo`` returns ``crew_facing()`` dicts — the
  allow-listed fields, free text scrubbed again on read — and nothing else is put in front of
  crew. Display helpers below only format those fields.
* **Local time is the company's** (``settings.TIME_ZONE``, America/Los_Angeles): the boat
  leaves San Diego at 14:00 local whatever time zone the phone is in.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

from django.conf import settings
from django.urls import get_urlconf, reverse
from django.utils import timezone
from django.utils.functional import cached_property

from crew import dynamo
from crew.models import CrewMember

MAP_SEARCH_URL = "https://www.google.com/maps/search/?api=1&query="


@dataclass(frozen=True)
class PortalEvent:
    """One crew-facing event as the portal shows it to one crew member.

    Its display values are worked out once (``cached_property``; Django's, which costs less on
    first use than functools' on Python 3.11): a page shows each several times and the list
    renders every event the member has."""

    record: dict[str, Any]
    role: str
    others: list[dict[str, str]] = field(default_factory=list)  # other crew: {first_name, role}

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def version(self) -> int:
        return int(self.record.get("version") or 0)

    @property
    def cancelled(self) -> bool:
        return self.record.get("status") == "cancelled"

    @cached_property
    def url(self) -> str:
        """This event's page (``crew:event``), without a resolver walk per event."""
        return _event_path(get_urlconf(settings.ROOT_URLCONF)).format(id=quote(self.id, safe=""))

    @cached_property
    def starts(self) -> datetime | None:
        return local_time(self.record.get("starts_at"))

    @cached_property
    def ends(self) -> datetime | None:
        return local_time(self.record.get("ends_at"))

    @cached_property
    def day(self) -> str:
        """'Thursday 30 May 2024' in local time ('' when the start is unknown)."""
        return self.starts.strftime("%A %-d %B %Y") if self.starts else ""

    @cached_property
    def hours(self) -> str:
        """'14:00 – 18:00 PDT'; an end on another day carries its own date."""
        start, end = self.starts, self.ends
        if start is None:
            return ""
        text = start.strftime("%H:%M")
        if end is not None:
            text += end.strftime(" – %H:%M") if end.date() == start.date() else end.strftime(" – %a %-d %b %H:%M")
        return f"{text} {start.tzname()}"

    @property
    def map_url(self) -> str:
        meeting_point = str(self.record.get("meeting_point") or "")
        return MAP_SEARCH_URL + quote_plus(meeting_point) if meeting_point else ""

    def summary(self) -> dict[str, str]:
        """The fields a crew member would notice changing, as displayed (for 'what changed')."""
        return {
            "Title": str(self.record.get("title") or ""),
            "When": f"{self.day}, {self.hours}" if self.day else "",
            "Vessel": str(self.record.get("vessel") or ""),
            "Meeting point": str(self.record.get("meeting_point") or ""),
            "Guests": "" if self.record.get("guest_count") is None else str(self.record["guest_count"]),
            "Your role": self.role,
            "Crew": ", ".join(f"{o['first_name']} ({o['role']})" for o in self.others),
            "Notes": str(self.record.get("notes") or ""),
            "Status": str(self.record.get("status") or ""),
        }


def event_card(event: PortalEvent) -> dict[str, Any]:
    """What the list shows of ``event``, as plain strings: the template only prints them (a
    template lookup or filter costs more than the value, and the list shows every event)."""
    when = event.day or "Date to be confirmed"
    if event.hours:
        when += f" · {event.hours}"
    vessel = str(event.record.get("vessel") or "")
    role = event.role[:1].upper() + event.role[1:] or "Crew"  # as the capfirst filter
    return {
        "url": event.url,
        "title": str(event.record.get("title") or "Charter"),
        "cancelled": event.cancelled,
        "when": when,
        "what": f"{vessel} · {role}" if vessel else role,
    }


@dataclass(frozen=True)
class MemberEvents:
    upcoming: list[PortalEvent]
    past: list[PortalEvent]


@functools.lru_cache(maxsize=8)
def _event_path(urlconf: str) -> str:
    marker = "EVENTIDMARKER"
    return reverse("crew:event", args=[marker], urlconf=urlconf).replace(marker, "{id}")


def local_time(value: Any) -> datetime | None:
    """An ISO 8601 time (with offset) in the company's time zone; None when absent or malformed."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:  # the store always writes an offset; be safe with anything else
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(timezone.get_default_timezone())  # settings.TIME_ZONE


def _first_name(name: str, email: str) -> str:
    parts = name.split()
    return parts[0] if parts else email.split("@")[0]


def portal_event(record: dict[str, Any], member: CrewMember) -> PortalEvent | None:
    """``record`` as ``member`` sees it, or None when ``member`` is not on its crew."""
    own = member.email.strip().lower()
    crew = [e for e in record.get("crew") or [] if isinstance(e, dict) and isinstance(e.get("email"), str)]
    mine = next((e for e in crew if e["email"].strip().lower() == own), None)
    if mine is None:
        return None
    others = [
        {"first_name": _first_name(str(e.get("name") or ""), e["email"]), "role": str(e.get("role") or "")}
        for e in crew
        if e is not mine
    ]
    return PortalEvent(record=record, role=str(mine.get("role") or ""), others=others)


def member_events(member: CrewMember) -> list[PortalEvent]:
    """Every event ``member`` is crew on, in start order (one Query on the ``by_crew`` index)."""
    shown = (portal_event(record, member) for record in dynamo.crew_events_for_member(member.email))
    return sorted((e for e in shown if e is not None), key=_start_key)


def member_events_split(member: CrewMember, *, now: datetime | None = None) -> MemberEvents:
    """Upcoming (not yet ended, soonest first) and past (most recent first)."""
    now = now or timezone.now()
    upcoming: list[PortalEvent] = []
    past: list[PortalEvent] = []
    for event in member_events(member):
        finish = event.ends or event.starts
        (past if finish is not None and finish < now else upcoming).append(event)
    past.reverse()
    return MemberEvents(upcoming=upcoming, past=past)


def member_event(member: CrewMember, event_id: str) -> PortalEvent | None:
    """Event ``event_id`` if ``member`` is on its crew; None for anyone else's (or no) event."""
    record = dynamo.crew_event_get(event_id)
    return portal_event(record, member) if record else None


def _start_key(event: PortalEvent) -> tuple[int, datetime]:
    start = event.starts
    return (0, start) if start is not None else (1, datetime.min.replace(tzinfo=UTC))
