"""The targets: claim → push → record. The only code that writes a target row's sync state.

A charter has three targets — its guest page, its calendar entry and its crew event — each
mirrored by one row (``GuestPage``, ``CalendarEntry``, ``CrewEvent``). The rules kept here:

- **One owner.** Only this module (and its bulk half, ``bookings.targets_bulk``) moves a row through ``pending → syncing → synced / failed``,
  counts attempts, keeps the last error and records the fingerprint the target last received.
  ``guestpages`` and ``crew`` (and the calendar client) do the remote work and report back.
- **Synced means current.** ``targets_mark_pending`` stores the fingerprint the charter wants
  now; a push records what it delivered. ``target_status`` derives what staff see: *out of
  date* whenever the two differ, green only when they match.
- **Pushes are idempotent and push the present.** A push sends the charter's *current* payload
  (upserts by charter, content-derived idempotency keys, withdraw twice = once). If the charter
  changed while the push was in flight it pushes again, so an older version can never be left
  live after a newer one; a row put back to ``pending`` meanwhile keeps it, so the newer round's
  task decides the final state.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, cast

from botocore.exceptions import BotoCoreError, ClientError
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from bookings.calendar_client import CalendarClient, calendar_client
from bookings.models import Brand, CalendarEntry, Charter
from bookings.payloads import (
    TARGET_KINDS,
    charter_is_live,
    idempotency_key,
    page_is_live,
    payload_fingerprint,
    target_fingerprint,
    target_payload,
)
from crew.models import CrewEvent
from guestpages import services as pages
from guestpages.models import GuestPage
from jada.aws import aws_is_transient
from jada.errors import JadaError, RemoteError
from jada.models import SyncedMirror, SyncState

logger = logging.getLogger(__name__)

TARGET_MODELS: dict[str, type[SyncedMirror]] = {
    "guest_page": GuestPage,
    "calendar_entry": CalendarEntry,
    "crew_event": CrewEvent,
}
OUT_OF_DATE = "out_of_date"


class Marked(NamedTuple):
    """A target row put back to pending: its push is the caller's to enqueue."""

    kind: str
    row_id: int


# What staff see, derived from the row: its own word for "holds an older version".
STATUS_LABELS = {
    SyncState.SYNCED: "synced",
    OUT_OF_DATE: "out of date",
    SyncState.PENDING: "pending",
    SyncState.SYNCING: "syncing",
    SyncState.FAILED: "failed",
    "none": "none",
}


def target_status(row: SyncedMirror | None) -> str:
    """synced / out_of_date / pending / syncing / failed / none — derived, never stored as a word."""
    if row is None:
        return "none"
    if row.sync_state == SyncState.FAILED:
        return SyncState.FAILED
    if row.delivered_fingerprint and row.delivered_fingerprint != row.wanted_fingerprint:
        return OUT_OF_DATE
    if row.sync_state == SyncState.SYNCED:
        return SyncState.SYNCED
    return str(row.sync_state)


def out_of_date_q(prefix: str = "") -> Q:
    """Rows (or, with ``prefix="guest_page__"``, charters) whose target holds an older version."""
    delivered = f"{prefix}delivered_fingerprint"
    # ``__gt=""`` rather than ``~Q(… = "")``: through a join, a charter with no row at all is not
    # "out of date" (a negated lookup would match its NULLs).
    return (
        Q(**{f"{delivered}__gt": ""})
        & ~Q(**{delivered: F(f"{prefix}wanted_fingerprint")})
        & ~Q(**{f"{prefix}sync_state": SyncState.FAILED})
    )


# --- marking: a new round for a target ------------------------------------------------------------


def targets_mark_pending(*, charter: Charter, kinds: Iterable[str] = TARGET_KINDS, force: bool = False) -> list[Marked]:
    """Mark the charter's targets whose content changed (all of ``kinds`` with ``force``) pending
    with the fingerprint wanted now. Returns what was marked: the caller (the flow) enqueues
    those pushes on commit, inside the same transaction.
    """
    kinds = list(kinds)
    if force:  # every row ends pending with what it wants: one upsert, new row or not, for them all
        wanted = {kind: target_fingerprint(kind, charter) for kind in kinds}
        return [Marked(kind, row_id) for kind, row_id in _pending_upsert(charter, wanted).items()]
    marked = []
    for kind in kinds:
        wanted_now = target_fingerprint(kind, charter)
        # A first round creates its row already pending with what it wants: one INSERT, no UPDATE.
        row, created = TARGET_MODELS[kind]._default_manager.get_or_create(
            charter=charter, defaults={"sync_state": SyncState.PENDING, "wanted_fingerprint": wanted_now}
        )
        if created:
            marked.append(Marked(kind, row.pk))
            continue
        if row.sync_state == SyncState.SYNCED and row.delivered_fingerprint == wanted_now:
            if row.wanted_fingerprint != wanted_now:
                row.wanted_fingerprint = wanted_now
                row.save(update_fields=["wanted_fingerprint", "updated_at"])
            continue
        row.sync_state, row.attempts, row.last_error, row.wanted_fingerprint = SyncState.PENDING, 0, "", wanted_now
        row.save(update_fields=["sync_state", "attempts", "last_error", "wanted_fingerprint", "updated_at"])
        marked.append(Marked(kind, row.pk))
    return marked


_PENDING_FIELDS = ["sync_state", "attempts", "last_error", "wanted_fingerprint", "updated_at"]


def _pending_upsert(charter: Charter, wanted: dict[str, str]) -> dict[str, int]:
    """``INSERT … ON CONFLICT (charter) DO UPDATE`` per kind: the row of each kind for ``charter``,
    pending, wanting its fingerprint; returns each row's id. On PostgreSQL the upserts are one
    statement (a data-modifying ``WITH`` per table): one round trip instead of one per target."""
    models: dict[str, Any] = TARGET_MODELS
    rows = {
        kind: models[kind](
            charter=charter, sync_state=SyncState.PENDING, attempts=0, last_error="", wanted_fingerprint=fingerprint
        )
        for kind, fingerprint in wanted.items()
    }
    if connection.vendor != "postgresql" or len(rows) < 2:
        for row in rows.values():
            type(row)._default_manager.bulk_create(
                [row], update_conflicts=True, unique_fields=["charter"], update_fields=_PENDING_FIELDS
            )
        return {kind: int(row.pk) for kind, row in rows.items()}
    parts, params = [], []
    for index, (kind, row) in enumerate(rows.items()):
        sql, fields = _upsert_sql(kind)
        parts.append(f"t{index} AS ({sql})")
        params += [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    ids = ", ".join(f"(SELECT id FROM t{index})" for index in range(len(rows)))  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {ids}", params)
        found = cursor.fetchone()
    return {kind: int(row_id) for kind, row_id in zip(rows, found, strict=True)}


@functools.cache
def _upsert_sql(kind: str) -> tuple[str, list[Any]]:
    """One row's upsert for ``kind``'s table with its values as parameters, and the fields they are for."""
    quote, meta = connection.ops.quote_name, cast(Any, TARGET_MODELS[kind]._meta)
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    updates = ", ".join(
        f"{quote(column)} = EXCLUDED.{quote(column)}"
        for column in (meta.get_field(name).column for name in _PENDING_FIELDS)
    )
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
        f" ON CONFLICT ({quote(meta.get_field('charter').column)}) DO UPDATE SET {updates}"
        f" RETURNING {quote(meta.pk.column)} AS id"
    )
    return sql, fields


# --- pushing: claim, push the present, record -----------------------------------------------------


def target_push(*, kind: str, row_id: int, final_attempt: bool = True, client: Any = None) -> str:
    """Push one target of one charter; returns the row's state after this run ("skipped" when the
    row is gone or already current). Raises ``RemoteError`` so the task can decide to retry."""
    model = TARGET_MODELS[kind]
    row = _row_claim(model, row_id)
    if row is None:
        return "skipped"
    push = _PUSHES[kind]
    try:
        for _ in range(3):
            payload = target_payload(kind, row.charter)
            fingerprint = payload_fingerprint(payload)
            extra = push(row, payload, fingerprint, client)
            row.charter = Charter.objects.select_related("brand", "vessel").get(pk=row.charter_id)
            if target_fingerprint(kind, row.charter) == fingerprint:
                break
    except RemoteError as exc:
        row_failed(row, exc.message, retrying=exc.transient and not final_attempt)
        raise
    except (ClientError, BotoCoreError) as exc:
        transient = aws_is_transient(exc)
        row_failed(row, f"AWS: {exc}"[:500], retrying=transient and not final_attempt)
        raise RemoteError(f"AWS: {exc}"[:500], transient=transient) from exc
    except SoftTimeLimitExceeded as exc:
        message = "The push took longer than the task's time limit."
        row_failed(row, message, retrying=not final_attempt)
        raise RemoteError(message, transient=True) from exc
    except JadaError as exc:
        row_failed(row, exc.message, retrying=False)
        raise RemoteError(exc.message, transient=False) from exc
    except Exception as exc:
        logger.exception("%s %s failed with a bug", kind, row_id)
        row_failed(row, f"Internal error ({type(exc).__name__}); it has been logged.", retrying=False)
        raise
    _row_done(row, fingerprint, extra)
    return SyncState.SYNCED


def _row_claim(model: type[SyncedMirror], row_id: int) -> Any:
    """pending/failed/syncing → syncing, one more attempt; None if the row is gone or current.

    A row left ``syncing`` by a worker that died is claimed again: the push is idempotent. The
    claim is one conditional UPDATE (the row lock for its length, no transaction around it); the
    row is then read with its charter, as the push is to send the charter as it is now anyway.
    """
    manager: Any = model._default_manager
    current = Q(sync_state=SyncState.SYNCED, delivered_fingerprint=F("wanted_fingerprint"))
    claimed = (
        manager.filter(pk=row_id)
        .exclude(current)
        .update(sync_state=SyncState.SYNCING, attempts=F("attempts") + 1, updated_at=timezone.now())
    )
    if not claimed:
        return None
    return manager.select_related("charter__brand", "charter__vessel").filter(pk=row_id).first()


def _row_done(row: Any, fingerprint: str, extra: dict[str, Any]) -> None:
    # What was delivered is recorded whatever happened meanwhile; the state only if no newer round
    # (pending) started, whose own task then decides. One UPDATE (no transaction of two).
    now = timezone.now()
    fields = type(row)._meta
    unless_pending = {
        name: Case(
            When(~Q(sync_state=SyncState.PENDING), then=Value(value)),
            default=F(name),
            output_field=fields.get_field(name),
        )
        for name, value in (
            ("sync_state", SyncState.SYNCED),
            ("last_error", ""),
            ("last_synced_at", now),
            ("wanted_fingerprint", fingerprint),
            ("updated_at", now),
        )
    }
    type(row)._default_manager.filter(pk=row.pk).update(delivered_fingerprint=fingerprint, **extra, **unless_pending)


def row_failed(row: Any, error: str, *, retrying: bool) -> None:
    message = f"{error} (retrying automatically)" if retrying else error
    type(row)._default_manager.filter(pk=row.pk).exclude(sync_state=SyncState.PENDING).update(
        sync_state=SyncState.FAILED, last_error=message[:2000], updated_at=timezone.now()
    )


# --- the three pushes: each returns the row fields it learnt ---------------------------------------


def _guest_page_push(page: GuestPage, payload: dict[str, Any], fingerprint: str, _client: Any) -> dict[str, Any]:
    charter = page.charter
    version = page.published_version + 1
    key = pages.guest_page_object_key(charter)
    if page_is_live(charter):
        # The content the fingerprint was built from, rendered as is (not built a second time).
        placed = pages.guest_page_publish(
            charter=charter, version=version, fingerprint=fingerprint, content=payload.get("page")
        )
    else:
        ever = bool(page.object_key) and page.bucket.lower() == charter.brand.bucket.lower() and page.object_key == key
        placed = pages.guest_page_withdraw(
            charter=charter, version=version, fingerprint=fingerprint, ever_published=ever
        )
    moved = page.object_key and (page.bucket.lower(), page.object_key) != (charter.brand.bucket.lower(), key)
    if moved:
        owner = Brand.objects.filter(bucket__iexact=page.bucket).first()
        pages.guest_page_remove(
            brand=owner, bucket=page.bucket, key=page.object_key, code=charter.code, version=version
        )
        page.object_key = ""
    if not placed.key:  # never published, nothing written
        return {"withdrawn": True, "object_key": page.object_key, "remote_id": "", "etag": ""}
    return {
        "etag": placed.etag,  # with the delivered fingerprint: what the drift report compares the listing with
        "bucket": placed.bucket,
        "object_key": placed.key,
        "public_url": placed.public_url,
        "published_version": version,
        "withdrawn": placed.withdrawn,
        "remote_id": placed.public_url if not placed.withdrawn else placed.key,
    }


def _calendar_entry_push(entry: CalendarEntry, payload: dict[str, Any], _fp: str, client: Any) -> dict[str, Any]:
    calendar: CalendarClient = client or calendar_client()  # one per process: building one cost more than a call
    charter = entry.charter
    if not charter_is_live(charter):
        calendar.entry_delete(charter.code)
        return {"remote_id": ""}
    stored = calendar.entry_upsert(payload, idempotency_key=idempotency_key("calendar", payload))
    return {"remote_id": str(stored.get("charter_id") or charter.code)[:200]}


def _crew_event_push(event: CrewEvent, payload: dict[str, Any], _fp: str, client: Any) -> dict[str, Any]:
    from crew.client import scc_client

    scc = client or scc_client()  # shared per process: building a client per task cost more than the call
    charter = event.charter
    if charter_is_live(charter):
        return {"remote_id": str(scc.event_upsert(payload)["id"])[:200]}
    event_id = event.remote_id
    if not event_id:
        # No id recorded, yet an earlier attempt may have created the event before its worker
        # died: look it up by charter rather than assume there is nothing to cancel.
        found = scc.event_find(charter.code)
        if found is None:
            return {"remote_id": ""}
        event_id = str(found["id"])
    scc.event_cancel(event_id)  # cancelling twice is cancelling once; crew are told once
    return {"remote_id": event_id}


_PUSHES: dict[str, Callable[[Any, dict[str, Any], str, Any], dict[str, Any]]] = {
    "guest_page": _guest_page_push,
    "calendar_entry": _calendar_entry_push,
    "crew_event": _crew_event_push,
}
