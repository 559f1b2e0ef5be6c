"""iCal in: one poll of one marketplace feed, from fetch to charters.

The rules it keeps (DESIGN.md "Intake"):
- a failed fetch, a body that is not a calendar, or a calendar with no events changes nothing
  but the feed's health (its last error); a 304 costs no parse;
- an event's identity is (feed, UID), with a fingerprint (start, end, summary) as the fallback
  for feeds whose UIDs change;
- a new booking event becomes a charter (an inquiry unless the source auto-confirms), or joins
  the charter the e-mail made (same booking number, or same source and vessel at an overlapping
  time); a changed time reschedules it through the flow; an owner's all-day block is kept as a
  block on the vessel, never a charter;
- an event absent from ``FeedEvent.MISSING_AFTER`` good fetches in a row is flagged *missing*
  and staff are told (audit entry and the feed's admin page); it is **not** cancelled — the
  marketplace's cancellation e-mail, or staff, cancel it. An event the feed itself marks
  ``STATUS:CANCELLED`` is cancelled.

Two polls of one feed never run at once (a cache lock: Redis in production).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from bookings import flow
from bookings.models import Charter, CharterStatus
from intake.charters import ACTOR, NeedsReview, charter_create, charter_move
from intake.ical import FeedError, FeedItem, feed_fetch, feed_items
from intake.models import FeedEvent, IntakeFeed
from jada.audit import audit_record

logger = logging.getLogger(__name__)
LOCK_SECONDS = 300


@dataclass
class PollResult:
    feed: IntakeFeed
    seen: int = 0
    created: int = 0
    updated: int = 0
    missing: int = 0
    cancelled: int = 0
    conflicts: int = 0
    error: str = ""
    not_modified: bool = False
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("seen", "created", "updated", "missing", "cancelled", "conflicts")}

    def line(self) -> str:
        head = f"feed {self.feed.pk} ({self.feed.source} · {self.feed.vessel})"
        if self.error:
            return f"{head}: error: {self.error}"
        if self.not_modified:
            return f"{head}: not modified"
        c = self.counts()
        return (
            f"{head}: {c['seen']} seen, {c['created']} created, {c['updated']} updated, "
            f"{c['missing']} missing, {c['cancelled']} cancelled, {c['conflicts']} conflicts"
        )


def feed_add(*, source: Any, vessel: Any, url: str) -> tuple[IntakeFeed, bool]:
    """Register a feed; the URL is its identity, so adding it twice changes nothing."""
    return IntakeFeed.objects.get_or_create(url=url, defaults={"source": source, "vessel": vessel})


def feed_poll(*, feed: IntakeFeed, transport: httpx.BaseTransport | None = None) -> PollResult:
    result = PollResult(feed=feed)
    lock = f"intake:feed-poll:{feed.pk}"
    if not cache.add(lock, "1", LOCK_SECONDS):
        result.error = "another poll of this feed is running"
        return result
    try:
        _poll(feed, result, transport)
    finally:
        cache.delete(lock)
    return result


def _poll(feed: IntakeFeed, result: PollResult, transport: httpx.BaseTransport | None) -> None:
    now = timezone.now()
    feed.last_fetch_at = now
    try:
        fetched = feed_fetch(url=feed.url, etag=feed.etag, last_modified=feed.last_modified, transport=transport)
        if fetched.not_modified:
            result.not_modified = True
            feed.last_good_at, feed.last_error = now, ""
            feed.save(update_fields=["last_fetch_at", "last_good_at", "last_error"])
            return
        items = feed_items(body=fetched.body, zone=feed.source.brand.zone, now=now)
        if not items:
            raise FeedError("The calendar has no events; nothing was changed (an emptied feed is not trusted).")
    except FeedError as exc:
        result.error = exc.message
        feed.last_error = exc.message
        feed.save(update_fields=["last_fetch_at", "last_error"])
        logger.warning("intake feed %s: %s", feed.pk, exc.message)
        return
    known = _Known(feed)
    known.expect(items)
    seen_ids = set()
    for item in items:
        event, changed = known.event_for(item)
        seen_ids.add(event.pk)
        result.seen += 1
        if not changed and _settled(event, item):
            continue  # the steady state: nothing to write, nothing to ask the flow
        try:
            _event_apply(feed, event, item, result)
        except NeedsReview as exc:
            result.notes.append(f"{item.uid}: {exc.message}")
    FeedEvent.objects.filter(pk__in=seen_ids).update(last_seen_at=now)
    _missing_count(feed, [e for e in known.rows if e.pk not in seen_ids and e.missing_since is None], result)
    feed.etag, feed.last_modified = fetched.etag[:300], fetched.last_modified[:100]
    feed.last_good_at, feed.last_error, feed.events_seen = now, "", result.seen
    feed.last_counts = {**result.counts(), "notes": result.notes[:10]}  # notes: events a person must look at
    feed.save(
        update_fields=[
            "etag",
            "last_modified",
            "last_fetch_at",
            "last_good_at",
            "last_error",
            "events_seen",
            "last_counts",
        ]
    )


class _Known:
    """The feed's events as last seen, loaded once per poll (by UID and by fingerprint)."""

    def __init__(self, feed: IntakeFeed) -> None:
        self.feed = feed
        rows = list(FeedEvent.objects.filter(feed=feed).select_related("charter"))
        self.rows = rows
        self.by_uid = {e.uid: e for e in rows}
        self.by_fingerprint = {e.fingerprint: e for e in rows}
        self.taken: set[int] = set()  # two identical events in one feed stay two events

    def expect(self, items: list[FeedItem]) -> None:
        """The UIDs this fetch carries: an event still present under its own UID is never re-identified."""
        self._current_uids = {i.uid for i in items if i.uid}

    def event_for(self, item: FeedItem) -> tuple[FeedEvent, bool]:
        """By UID; failing that, by fingerprint (the feed changed the UID of an unchanged event)."""
        event = self.by_uid.get(item.uid) if item.uid else None
        if event is None:
            event = self.by_fingerprint.get(item.fingerprint)
            if event is not None and (event.pk in self.taken or event.uid in self._current_uids):
                event = None
            if event is not None and item.uid:
                self.by_uid.pop(event.uid, None)
                event.uid = item.uid
                self.by_uid[event.uid] = event
        if event is None:
            event = FeedEvent(feed=self.feed, uid=item.uid or item.fingerprint)
        wanted = {
            "fingerprint": item.fingerprint,
            "booking_id": item.booking_id,
            "summary": item.summary,
            "tentative": item.tentative,
            "is_block": item.is_block,
            "missing_count": 0,
            "missing_since": None,
            "starts_at": item.starts_at,
            "ends_at": item.ends_at,
        }
        changed = event.pk is None or any(getattr(event, k) != v for k, v in wanted.items())
        if changed:
            for name, value in wanted.items():
                setattr(event, name, value)
            event.save()
            self.by_uid[event.uid] = event
        self.taken.add(event.pk)
        return event, changed


def _settled(event: FeedEvent, item: FeedItem) -> bool:
    """An unchanged event whose charter already has its times (or a block, which makes no charter)."""
    if item.is_block:
        return True
    charter = event.charter
    if charter is None:
        return False
    if item.cancelled:
        return charter.status in (CharterStatus.CANCELLED, CharterStatus.COMPLETED)
    return charter.status in (CharterStatus.CANCELLED, CharterStatus.COMPLETED) or (
        charter.starts_at,
        charter.ends_at,
    ) == (item.starts_at, item.ends_at)


def _charter_match(feed: IntakeFeed, item: FeedItem) -> Charter | None:
    """The charter this booking already has: same booking number; or, for an event without one,
    a charter of the same source on the same vessel at an overlapping time that no event claims."""
    charters = Charter.objects.select_related("brand", "vessel").filter(source=feed.source.kind)
    if item.booking_id:
        return charters.filter(marketplace_booking_id=item.booking_id).first()
    claimed = FeedEvent.objects.filter(feed=feed, charter__isnull=False).values_list("charter_id", flat=True)
    return (
        charters.filter(vessel=feed.vessel, starts_at__lt=item.ends_at, ends_at__gt=item.starts_at)
        .exclude(status=CharterStatus.CANCELLED)
        .exclude(pk__in=claimed)
        .first()
    )


def _event_apply(feed: IntakeFeed, event: FeedEvent, item: FeedItem, result: PollResult) -> None:
    if item.is_block:
        return
    charter = event.charter or _charter_match(feed, item)
    if charter is None:
        if item.cancelled:
            return
        fields = {
            "booking_id": item.booking_id or f"ICAL-{item.fingerprint[:12].upper()}",
            "starts_at": item.starts_at,
            "ends_at": item.ends_at,
            "party_size": item.party_size,
            "guest_name": f"{feed.source} booking {item.booking_id or item.summary}"[:200],
        }
        charter = charter_create(source=feed.source, vessel=feed.vessel, fields=fields, actor=ACTOR)
        _link(event, charter)
        result.created += 1
        if charter.conflicts.filter(resolved_at__isnull=True).exists():
            result.conflicts += 1
        elif feed.source.auto_confirm and not item.tentative:
            try:
                flow.charter_confirm(charter=charter, actor=ACTOR)
            except flow.FlowError as exc:
                result.notes.append(exc.message)
        return
    if event.charter_id != charter.pk:
        _link(event, charter)
    if item.cancelled:
        if charter.status not in (CharterStatus.CANCELLED, CharterStatus.COMPLETED):
            flow.charter_cancel(charter=charter, actor=ACTOR)
            result.cancelled += 1
        return
    if charter.status in (CharterStatus.CANCELLED, CharterStatus.COMPLETED):
        return
    if (charter.starts_at, charter.ends_at) != (item.starts_at, item.ends_at):
        try:
            charter_move(charter=charter, starts_at=item.starts_at, ends_at=item.ends_at, actor=ACTOR)
        except flow.FlowError as exc:
            raise NeedsReview(exc.message) from exc
        from bookings.conflicts import conflicts_refresh

        if conflicts_refresh(charter=charter, actor=ACTOR):
            result.conflicts += 1
        result.updated += 1


def _link(event: FeedEvent, charter: Charter) -> None:
    event.charter = charter
    event.save(update_fields=["charter"])


def _missing_count(feed: IntakeFeed, absent: list[FeedEvent], result: PollResult) -> None:
    """One more good fetch without them; at MISSING_AFTER, flag and tell staff once."""
    for event in absent:
        event.missing_count += 1
        fields = ["missing_count"]
        if event.missing_count >= FeedEvent.MISSING_AFTER:
            event.missing_since = timezone.now()
            fields.append("missing_since")
            result.missing += 1
            with transaction.atomic():
                event.save(update_fields=fields)
                audit_record(
                    action="intake.feed_event_missing",
                    obj=event.charter or event,
                    actor_label=ACTOR,
                    data={"feed": feed.pk, "uid": event.uid, "good_fetches_without_it": event.missing_count},
                )
            logger.warning("feed %s: %s missing from %d good fetches", feed.pk, event.uid, event.missing_count)
        else:
            event.save(update_fields=fields)
