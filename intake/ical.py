"""Fetching and reading a marketplace iCal export: conditional GET, caps, and times in the vessel's zone.

What can go wrong with a feed is what made other tools delete bookings (docs/intake.md): an
error page, a timeout, a body that is not a calendar, an empty calendar. Here each of those is
a ``FeedError`` and the caller changes nothing; only a parsed calendar with events is *good*.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import icalendar
import recurring_ical_events

from jada.errors import JadaError

CONNECT_TIMEOUT, READ_TIMEOUT = 5.0, 15.0
MAX_FEED_BYTES = 5_000_000
EXPAND_WINDOW = (timedelta(days=31), timedelta(days=550))  # past, future: how far repeating events are expanded
USER_AGENT = "JADA-Ops-intake/1 (+https://sailjada.com)"
BOOKING_ID_IN_EVENT = [
    re.compile(r"booking\s*#\s*(\d{5,})", re.I),
    re.compile(r"/bookings/(\d{5,})"),
    re.compile(r"/inbox/(\d{5,})/?"),
    re.compile(r"^(?:booking|gmb|reservation)-(\d{5,})@", re.I),
]
PARTY = re.compile(
    r"(?:passengers|guests?|party(?: of)?)\s*:?\s*(\d{1,3})|(\d{1,3})\s*(?:guests|passengers|people)", re.I
)
BLOCK_WORDS = re.compile(r"\b(unavailable|blocked|not available|owner block|closed)\b", re.I)


class FeedError(JadaError):
    """A fetch that gave no usable calendar: nothing in the database may change because of it."""


@dataclass(frozen=True)
class Fetched:
    not_modified: bool
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class FeedItem:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    booking_id: str
    party_size: int | None
    tentative: bool
    cancelled: bool
    is_block: bool

    @property
    def fingerprint(self) -> str:
        """The fallback identity for feeds whose UIDs change: when, and what it says."""
        key = f"{self.starts_at.isoformat()}|{self.ends_at.isoformat()}|{self.summary.strip().lower()}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]


_shared: dict[int, httpx.Client] = {}
_shared_lock = threading.Lock()


def _client(transport: httpx.BaseTransport | None) -> httpx.Client:
    """One client per process (building one, with its TLS context, cost more than a small feed's GET)."""
    if transport is not None:
        return httpx.Client(transport=transport, follow_redirects=True, max_redirects=3)
    with _shared_lock:
        client = _shared.get(os.getpid())
        if client is None:
            client = _shared[os.getpid()] = httpx.Client(follow_redirects=True, max_redirects=3)
        return client


def feed_fetch(
    *, url: str, etag: str = "", last_modified: str = "", transport: httpx.BaseTransport | None = None
) -> Fetched:
    """GET with If-None-Match / If-Modified-Since, timeouts and a size cap; a 304 costs no body."""
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
    client = _client(transport)
    try:
        with client.stream("GET", url, headers=headers, timeout=timeout) as response:
            if response.status_code == 304:
                return Fetched(not_modified=True, etag=etag, last_modified=last_modified)
            if response.status_code != 200:
                raise FeedError(f"HTTP {response.status_code} from the feed.")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_FEED_BYTES:
                    raise FeedError(f"The feed is larger than {MAX_FEED_BYTES} bytes.")
            return Fetched(
                not_modified=False,
                body=bytes(body),
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
            )
    except httpx.TimeoutException as exc:
        raise FeedError(f"The feed timed out ({type(exc).__name__}).") from exc
    except httpx.HTTPError as exc:
        raise FeedError(f"The feed could not be fetched: {type(exc).__name__}: {exc}"[:300]) from exc
    finally:
        if transport is not None:
            client.close()


def _as_datetime(value: date | datetime, zone: ZoneInfo) -> datetime:
    """UTC and TZID times as given; floating times and all-day dates in the vessel's zone."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value
    return datetime.combine(value, time(0, 0), tzinfo=zone)


def _booking_id(uid: str, text: str) -> str:
    for pattern in BOOKING_ID_IN_EVENT:
        found = pattern.search(text) or pattern.search(uid)
        if found:
            return found.group(1)
    return ""


def feed_items(*, body: bytes, zone: ZoneInfo, now: datetime) -> list[FeedItem]:
    """Every event of a calendar (repeating ones expanded in a window); FeedError for anything else."""
    if b"BEGIN:VCALENDAR" not in body[:2048].upper():
        raise FeedError("The feed's body is not a calendar (no BEGIN:VCALENDAR).")
    try:
        calendar = icalendar.Calendar.from_ical(body)
        if b"RRULE" in body or b"RECURRENCE-ID" in body or b"RDATE" in body:
            events = recurring_ical_events.of(calendar, skip_bad_series=True).between(
                now - EXPAND_WINDOW[0], now + EXPAND_WINDOW[1]
            )
        else:  # nothing repeats: every event as written (past ones too, for the missing count)
            events = list(calendar.walk("VEVENT"))
    except Exception as exc:  # icalendar raises ValueError and friends for broken input
        raise FeedError(f"The calendar could not be read: {type(exc).__name__}: {exc}"[:300]) from exc
    # Occurrences of a repeating event share its UID: they are told apart by their start.
    repeating = {
        str(e.get("UID", "")).strip()
        for e in calendar.walk("VEVENT")
        if e.get("RRULE") is not None or e.get("RECURRENCE-ID") is not None
    }
    items = []
    for event in events:
        start = event.get("DTSTART")
        if start is None:
            continue
        all_day = not isinstance(start.dt, datetime)
        starts = _as_datetime(start.dt, zone)
        end = event.get("DTEND")
        if end is not None:
            ends = _as_datetime(end.dt, zone)  # all-day DTEND is exclusive: a one-day block ends next midnight
        else:
            ends = starts + (timedelta(days=1) if all_day else timedelta(hours=1))
        if ends <= starts:
            continue
        uid = str(event.get("UID", "")).strip()
        if uid in repeating:
            uid = f"{uid}#{starts.isoformat()}"
        summary = str(event.get("SUMMARY", "")).strip()
        description = str(event.get("DESCRIPTION", "")).strip()
        text = f"{summary}\n{description}"
        booking_id = _booking_id(uid, text)
        party = PARTY.search(text)
        status = str(event.get("STATUS", "")).upper()
        items.append(
            FeedItem(
                uid=uid or "",
                starts_at=starts,
                ends_at=ends,
                summary=summary[:300],
                booking_id=booking_id,
                party_size=int(party.group(1) or party.group(2)) if party else None,
                tentative=status == "TENTATIVE",
                cancelled=status == "CANCELLED",
                is_block=not booking_id and (all_day or bool(BLOCK_WORDS.search(text))),
            )
        )
    return items
