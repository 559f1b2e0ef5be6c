"""Keeping the targets honest after the flow ran: re-drive what was left behind, report drift.

- ``redrive`` re-enqueues every target pending, failed or out of date for longer than a short
  grace (the tasks are idempotent), and asks ``crew`` and ``guestpages`` to re-drive their own
  ledgers. Beat runs it every few minutes; ``manage.py redrive`` on demand.
- ``drift_report_create`` compares, for every live (or recently cancelled) charter, what each
  target *really* holds with what it should: the S3 object in the right brand's bucket and in no
  other (its listed ETag against the one recorded for our last write; a HEAD for its fingerprint
  metadata only where they differ or none was recorded), the SCC event's content, the calendar
  entry's content.
  It asks ``guestpages`` and the two API clients — it never reads their buckets or tables
  itself — with at most one read per charter per target (the calendar is read as one range,
  SCC events a hundred per request, each other brand's bucket as one listing). What each target
  should hold is built afresh from the charters (``bookings.drift_charters`` reads them lean), never
  taken from the rows' stored fingerprints: an edit behind the flow's back changes no row. It
  records a ``DriftReport``; ``repair=True`` re-pushes what drifted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from bookings.calendar_client import CalendarClient, calendar_client
from bookings.drift_charters import drift_charters
from bookings.models import Brand, CalendarEntry, Charter, DriftReport
from bookings.payloads import (
    CALENDAR_ENTRY_FIELDS,
    CREW_EVENT_FIELDS,
    TARGET_KINDS,
    calendar_entry_payload,
    charter_is_live,
    charters_crew,
    crew_event_payload,
    page_is_live,
    target_fingerprint,
)
from bookings.targets import TARGET_MODELS, out_of_date_q, targets_mark_pending
from bookings.tasks import target_push_enqueue, targets_enqueue
from crew.models import CrewEvent
from guestpages import services as pages
from jada.errors import JadaError
from jada.models import SyncState

logger = logging.getLogger(__name__)

# Longer than a task's time limit plus a few back-offs, so a target merely waiting for its own
# retry is not re-driven on top of it; short enough that a lost message costs minutes, not hours.
REDRIVE_AFTER = timedelta(minutes=5)
REDRIVE_MAX_ATTEMPTS = 40
REDRIVE_BATCH = 500
CANCELLED_CHECKED_FOR = timedelta(days=60)
CALENDAR_WINDOW = (timedelta(days=60), timedelta(days=400))
SCC_READS_IN_FLIGHT = 4  # batch reads of SCC events at once (each a hundred events, one BatchGetItem)

Finding = dict[str, str]


# --- re-drive ---------------------------------------------------------------------------------------


def targets_redrive(*, older_than: timedelta = REDRIVE_AFTER) -> dict[str, int]:
    """Re-enqueue every target pending, syncing (worker died), failed or out of date for longer
    than ``older_than``; returns how many of each target kind."""
    now = timezone.now()
    stale = (
        Q(sync_state__in=[SyncState.PENDING, SyncState.SYNCING])
        | Q(sync_state=SyncState.FAILED, attempts__lt=REDRIVE_MAX_ATTEMPTS)
        | out_of_date_q()
    )
    counts = {}
    for kind, model in TARGET_MODELS.items():
        manager = model._default_manager
        with transaction.atomic():
            ids = list(
                manager.select_for_update(skip_locked=True)
                .filter(stale, updated_at__lt=now - older_than)
                .values_list("pk", flat=True)[:REDRIVE_BATCH]
            )
            # Out-of-date rows that somehow stayed "synced" become pending, so the push claims them.
            manager.filter(pk__in=ids, sync_state=SyncState.SYNCED).update(sync_state=SyncState.PENDING)
            # Touching updated_at makes the next beat run wait a full interval before trying again.
            manager.filter(pk__in=ids).update(updated_at=now)
            for pk in ids:
                target_push_enqueue(kind, pk)
        counts[kind] = len(ids)
    return counts


def redrive(*, older_than: timedelta = REDRIVE_AFTER) -> dict[str, int]:
    """Everything left behind: targets, crew notifications, guest messages. Counts per kind."""
    counts = targets_redrive(older_than=older_than)
    for name, ledger_redrive in _ledgers():
        counts[name] = ledger_redrive(older_than=older_than)
    if any(counts.values()):
        logger.info("re-drove %s", counts)
    return counts


LEDGER_REDRIVES = {
    "crew_notifications": "crew.notifications.crew_notifications_redrive",
    "guest_messages": "guestpages.messages.guest_messages_redrive",
}


def _ledgers() -> list[tuple[str, Callable[..., int]]]:
    """The other apps' outboxes and their own re-drive functions (each app owns its ledger)."""
    found = []
    for name, path in LEDGER_REDRIVES.items():
        try:
            found.append((name, import_string(path)))
        except ImportError:  # that ledger is not part of this build
            continue
    return found


# --- drift ------------------------------------------------------------------------------------------


def drift_report_create(
    *, repair: bool = False, calendar: CalendarClient | None = None, scc: Any = None
) -> DriftReport:
    """Record every disagreement between what the charters say and what the targets hold."""
    charters, brands = drift_charters(since=timezone.now() - CANCELLED_CHECKED_FOR)
    keys = {charter.pk: pages.guest_page_object_key(charter) for charter in charters}
    # The three reads go out at once, each in a thread of its own (remote calls only, no database),
    # while this thread works out what every target should hold: the report then takes about as
    # long as its longest read, not the sum of the reads and the work.
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="drift-read") as pool:
        buckets = pool.submit(_pages_read, brands, charters, keys)
        entries = pool.submit(_calendar_read, calendar)
        events = pool.submit(_crew_events_read, charters, _scc(scc))
        fingerprints = {c.pk: target_fingerprint("guest_page", c) for c in charters}
        others = _calendar_drift(charters, entries) + _crew_events_drift(charters, events)
        findings = _pages_drift(charters, brands, keys, fingerprints, *buckets.result()) + others
    report = DriftReport.objects.create(findings=findings, finding_count=len(findings))
    if repair:
        drift_repair(findings=findings)
    return report


def drift_repair(*, findings: list[Finding]) -> int:
    """Re-push each (charter, target) a finding names; returns how many pushes were enqueued."""
    wanted: dict[str, set[str]] = {}
    for finding in findings:
        if finding["target"] in TARGET_KINDS and finding["charter"] and finding["kind"] != "unchecked":
            wanted.setdefault(finding["charter"], set()).add(finding["target"])
    count = 0
    for code, kinds in wanted.items():
        with transaction.atomic():
            charter = Charter.objects.select_related("brand", "vessel").filter(code=code).first()
            if charter is not None:
                count += len(targets_enqueue(targets_mark_pending(charter=charter, kinds=sorted(kinds), force=True)))
    return count


def _finding(kind: str, charter: str, target: str, detail: str) -> Finding:
    return {"kind": kind, "charter": charter, "target": target, "detail": detail}


PagesHeld = dict[int, dict[str, "pages.PageHeld | JadaError | None"]]


def _pages_read(
    brands: list[Brand], charters: list[Charter], keys: dict[int, str]
) -> tuple[dict[int, dict[str, str]], PagesHeld, list[Finding]]:
    """Every bucket's listing (key → ETag), then a HEAD only for the pages whose listed ETag is
    not the one recorded for our last write, or is unknown (S3 only: safe in another thread)."""
    unlisted = []
    listed: dict[int, dict[str, str]] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(brands)), thread_name_prefix="drift-list") as pool:
        listings = list(pool.map(_listing, brands))  # every bucket walked at once
    for brand, walked in zip(brands, listings, strict=True):
        if isinstance(walked, JadaError):
            unlisted.append(
                _finding("unchecked", "", "guest_page", f"{brand.bucket} could not be listed: {walked.message}")
            )
        else:
            listed[brand.pk] = walked
    held_by_brand: PagesHeld = {}
    for brand in brands:
        listing = listed.get(brand.pk)
        held: dict[str, pages.PageHeld | JadaError | None] = {}
        unknown = []
        for charter in charters:
            if charter.brand_id != brand.pk:
                continue
            key = keys[charter.pk]
            if listing is None:  # the listing failed: each page is asked on its own
                unknown.append(key)
            elif key not in listing:
                held[key] = None
            elif (written := _page_written(charter, brand, key)) and listing[key] == written[0]:
                held[key] = written[1]
            else:
                unknown.append(key)
        held.update(pages.guest_pages_held(brand=brand, keys=unknown))
        held_by_brand[brand.pk] = held
    return listed, held_by_brand, unlisted


def _listing(brand: Brand) -> dict[str, str] | JadaError:
    try:
        return pages.guest_page_listing(brand=brand)
    except JadaError as exc:
        return exc


def _page_rewritten(charter: Charter, held: pages.PageHeld) -> bool:
    """The object claims our last write (its fingerprint) yet S3's ETag for its bytes is not the
    one that write answered. A row mid-push (``syncing``) is left alone: its write may have landed
    before the row records it."""
    row = getattr(charter, "guest_page", None)
    if row is None or not row.etag or not held.etag or row.sync_state != SyncState.SYNCED:
        return False
    return held.fingerprint == row.delivered_fingerprint and held.etag != row.etag


def _page_written(charter: Charter, brand: Brand, key: str) -> tuple[str, pages.PageHeld] | None:
    """The ETag S3 answered for our last write of this page, and what that write held; None when
    unknown (no row, a row written before ETags were kept, or a write to another bucket or key)."""
    row = getattr(charter, "guest_page", None)
    if row is None or not row.etag or row.object_key != key or row.bucket.lower() != brand.bucket.lower():
        return None
    state = "withdrawn" if row.withdrawn else "live"
    return row.etag, pages.PageHeld(fingerprint=row.delivered_fingerprint, state=state, etag=row.etag)


def _pages_drift(
    charters: list[Charter],
    brands: list[Brand],
    keys: dict[int, str],
    fingerprints: dict[int, str],
    elsewhere: dict[int, dict[str, str]],
    held_by_brand: PagesHeld,
    unlisted: list[Finding],
) -> list[Finding]:
    found = list(unlisted)
    for charter in charters:
        key = keys[charter.pk]
        held = held_by_brand[charter.brand_id][key]
        if isinstance(held, JadaError):
            found.append(_finding("unchecked", charter.code, "guest_page", held.message))
            continue
        where = f"s3://{charter.brand.bucket}/{key}"
        if held is None and page_is_live(charter):
            found.append(_finding("missing", charter.code, "guest_page", f"{where} does not exist"))
        elif held is not None and held.fingerprint != fingerprints[charter.pk]:
            what = "still shows the charter" if not page_is_live(charter) and held.state == "live" else "differs"
            found.append(_finding("content_differs", charter.code, "guest_page", f"{where} {what}"))
        elif held is not None and _page_rewritten(charter, held):
            detail = f"{where} was rewritten behind our back (its metadata claims our last write, its bytes differ)"
            found.append(_finding("content_differs", charter.code, "guest_page", detail))
        for brand in brands:
            if brand.pk != charter.brand_id and key in elsewhere.get(brand.pk, {}):
                detail = f"s3://{brand.bucket}/{key} also holds it (brand {brand.slug})"
                found.append(_finding("wrong_bucket", charter.code, "guest_page", detail))
    return found


def _same(field: str, want: Any, got: Any) -> bool:
    if field in ("starts_at", "ends_at") and want and got:
        try:
            return bool(datetime.fromisoformat(str(want)) == datetime.fromisoformat(str(got)))
        except ValueError:
            return False
    if field == "crew":
        key = lambda entries: sorted((e.get("email", "").lower(), e.get("name"), e.get("role")) for e in entries or [])  # noqa: E731
        return bool(key(want) == key(got))
    return bool(want == got)


def _differences(want: dict[str, Any], got: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    # Equal values are the same value (our times parse, our crew entries are dicts); only the others
    # are compared as times or as crew lists.
    return [
        name for name in fields if want.get(name) != got.get(name) and not _same(name, want.get(name), got.get(name))
    ]


def _calendar_read(calendar: CalendarClient | None) -> list[dict[str, Any]] | JadaError:
    today = timezone.localdate()
    try:
        client = calendar or calendar_client()
        return client.entries_between(today - CALENDAR_WINDOW[0], today + CALENDAR_WINDOW[1])
    except JadaError as exc:
        return exc


def _calendar_drift(charters: list[Charter], read: Future[list[dict[str, Any]] | JadaError]) -> list[Finding]:
    today = timezone.localdate()
    in_window = {
        c.code: c for c in charters if today - CALENDAR_WINDOW[0] <= c.starts_at.date() <= today + CALENDAR_WINDOW[1]
    }
    wanted = {code: calendar_entry_payload(c) for code, c in in_window.items() if charter_is_live(c)}
    entries = read.result()
    if isinstance(entries, JadaError):
        return [_finding("unchecked", "", "calendar_entry", f"the calendar could not be read: {entries.message}")]
    held = {str(entry.get("charter_id", "")).upper(): entry for entry in entries}
    found = []
    for code in in_window:
        entry = held.get(code)
        if code in wanted:
            if entry is None:
                found.append(_finding("missing", code, "calendar_entry", "the calendar has no entry"))
                continue
            differs = _differences(wanted[code], entry, CALENDAR_ENTRY_FIELDS)
            if differs:
                found.append(_finding("content_differs", code, "calendar_entry", "differs in " + ", ".join(differs)))
        elif entry is not None:
            found.append(_finding("content_differs", code, "calendar_entry", "the charter is cancelled"))
    # Entries of no charter checked here: orphans unless a charter of ours (outside the checked
    # ones) has a calendar-entry row. Usually none, so usually no query.
    unchecked = set(held) - set(in_window)
    known = (
        CalendarEntry.objects.filter(charter__code__in=sorted(unchecked)) if unchecked else CalendarEntry.objects.none()
    )
    for code in sorted(unchecked - set(known.values_list("charter__code", flat=True))):
        found.append(_finding("orphan", code, "calendar_entry", "no charter of ours has this entry"))
    return found


EventsRead = tuple[Any, "dict[str, dict[str, Any]] | None"] | Finding


def _scc(scc: Any) -> Any:
    """The SCC client, or the finding that it cannot be called (built here, in the report's own
    thread: building it reads the brands' domains from the database)."""
    from crew.client import scc_client

    try:
        return scc or scc_client()
    except JadaError as exc:
        return _finding("unchecked", "", "crew_event", f"SCC could not be called: {exc.message}")


def _crew_events_read(charters: list[Charter], client: Any) -> EventsRead:
    """The SCC client and every charter's event, a hundred per request, a few requests in flight
    (None: a legacy SCC without the batch read, asked one by one afterwards); a finding when SCC
    cannot be called or read."""
    if isinstance(client, dict):
        return client
    try:
        refs = [c.code for c in charters]
        return client, (client.events_find(refs, in_flight=SCC_READS_IN_FLIGHT) if charters else {})
    except JadaError as exc:
        return _finding("unchecked", "", "crew_event", f"SCC could not be read: {exc.message}")


def _crew_events_drift(charters: list[Charter], read: Future[EventsRead]) -> list[Finding]:
    found = []
    live = [c for c in charters if charter_is_live(c)]
    crew = charters_crew([c.pk for c in live])
    wanted = {c.code: crew_event_payload(c, crew=crew.get(c.pk, [])) for c in live}
    answer = read.result()
    if isinstance(answer, dict):
        return [answer]
    client, held = answer
    remote_ids: dict[int, str] = {}
    if held is None:  # a legacy SCC: each event is read by the id its row recorded, else by charter
        rows = CrewEvent.objects.filter(charter__in=[c.pk for c in charters]).values_list("charter_id", "remote_id")
        remote_ids = dict(rows)
    for charter in charters:
        try:
            if held is not None:  # read a hundred at a time; else (a legacy SCC) one by one
                event = held.get(charter.code)
            elif remote_id := remote_ids.get(charter.pk):
                event = client.event_get(remote_id)
            else:
                event = client.event_find(charter.code)
        except JadaError as exc:
            found.append(_finding("unchecked", charter.code, "crew_event", exc.message))
            continue
        if event is None:
            if charter.code in wanted:
                found.append(_finding("missing", charter.code, "crew_event", "SCC has no event"))
            continue
        if charter.code not in wanted:
            if event.get("status") != "cancelled":
                found.append(_finding("content_differs", charter.code, "crew_event", "the event is not cancelled"))
            continue
        differs = _differences(wanted[charter.code], event, CREW_EVENT_FIELDS)
        if differs:
            found.append(_finding("content_differs", charter.code, "crew_event", "differs in " + ", ".join(differs)))
    return found
