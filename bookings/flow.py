"""The booking flow: one confirmation, every target, exactly once.

Read top to bottom, this module is the whole sequence (DESIGN.md "The booking flow"):

1. **What staff do** — ``charter_confirm``, ``charter_cancel``, ``charter_reschedule`` and
   ``target_retry``. Each runs in one durable transaction: it changes the charter, marks the
   three mirror rows (guest page, calendar entry, crew event) *pending*, writes one audit entry
   and enqueues one task per target **on commit** — so a rolled-back change enqueues nothing,
   and a task never runs before the row it loads exists.
2. **What each task does** — ``guest_page_sync``, ``calendar_entry_sync``, ``crew_event_sync``.
   Each claims its row (``pending → syncing``, one more attempt), pushes the charter's *current*
   state to its target, and records ``synced`` or ``failed`` with the error. Pushes are
   idempotent (upserts by charter, content-derived idempotency keys, withdraw twice = once), so
   a task that runs again after a worker died changes nothing and tells nobody twice.
3. **What the targets receive** — ``calendar_entry_payload`` and ``crew_event_payload``, both
   built from allow-lists: money and internal notes never leave the office.

Nothing here runs in a signal handler or a ``save()`` override.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from bookings import conflicts, tasks
from bookings.calendar_client import CalendarClient, calendar_client
from bookings.models import CalendarEntry, Charter, CharterStatus
from crew.crew_facing import CREW_FACING_FIELDS
from crew.models import CrewEvent
from guestpages.models import GuestPage
from jada.audit import audit_record
from jada.errors import JadaError, RemoteError
from jada.models import SyncedMirror, SyncState

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | AnonymousUser | str | None
LIVE_STATUSES = (CharterStatus.CONFIRMED, CharterStatus.COMPLETED)
THROTTLING_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "Throttling",
    "RequestLimitExceeded",
    "SlowDown",
    "TooManyRequestsException",
    "RequestThrottled",
    "ServiceUnavailable",
    "InternalError",
}


class FlowError(JadaError):
    """A flow step staff asked for that the charter's state does not allow."""


@dataclass(frozen=True)
class Targets:
    guest_page: GuestPage
    calendar_entry: CalendarEntry
    crew_event: CrewEvent


TARGET_KINDS: dict[str, type[SyncedMirror]] = {
    "guest_page": GuestPage,
    "calendar_entry": CalendarEntry,
    "crew_event": CrewEvent,
}
TARGET_LABELS = {"guest_page": "Guest page", "calendar_entry": "Calendar entry", "crew_event": "Crew event"}


# ================================================================================================
# 1. What staff do: one durable transaction each, one audit entry, tasks enqueued on commit.
# ================================================================================================


def charter_confirm(*, charter: Charter, actor: Actor) -> Charter:
    """Confirm the charter and (re)publish it everywhere; confirming again re-runs every target."""
    with transaction.atomic(durable=True):
        charter = _charter_lock(charter)
        if charter.status == CharterStatus.COMPLETED:
            raise FlowError(f"Charter {charter.code} is completed; there is nothing left to confirm.")
        # No double bookings (bookings/conflicts.py): refuse with a sentence naming the other charter.
        refusal = conflicts.charter_confirm_refusal(charter=charter)
        if refusal:
            raise FlowError(refusal)
        previous = charter.status
        charter.status = CharterStatus.CONFIRMED
        try:
            with transaction.atomic():  # PostgreSQL's exclusion constraint catches the race the check cannot see
                charter.save(update_fields=["status", "updated_at"])
        except IntegrityError as exc:
            if not conflicts.is_double_booking(exc):
                raise
            raise FlowError(f"Charter {charter.code} overlaps another confirmed charter on {charter.vessel}.") from exc
        targets = _targets_mark_pending(charter)
        _audit("charter.confirm", charter, actor, {"previous_status": previous})
        _targets_enqueue(targets)
    return charter


def charter_cancel(*, charter: Charter, actor: Actor) -> Charter:
    """Cancel the charter: withdraw the page, remove the calendar entry, cancel the crew event (crew are told)."""
    with transaction.atomic(durable=True):
        charter = _charter_lock(charter)
        if charter.status == CharterStatus.COMPLETED:
            raise FlowError(f"Charter {charter.code} is completed and cannot be cancelled.")
        previous = charter.status
        charter.status = CharterStatus.CANCELLED
        charter.save(update_fields=["status", "updated_at"])
        targets = _targets_mark_pending(charter)
        _audit("charter.cancel", charter, actor, {"previous_status": previous})
        _targets_enqueue(targets)
    return charter


def charter_reschedule(*, charter: Charter, starts_at: datetime, ends_at: datetime, actor: Actor) -> Charter:
    """Move the charter; a confirmed one moves everywhere (page and photo window, calendar, crew told)."""
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise FlowError("Give the new times with a time zone.")
    if ends_at <= starts_at:
        raise FlowError("A charter must end after it starts.")
    with transaction.atomic(durable=True):
        charter = _charter_lock(charter)
        if charter.status in (CharterStatus.CANCELLED, CharterStatus.COMPLETED):
            raise FlowError(f"Charter {charter.code} is {charter.status}; confirm it again before moving it.")
        before = {"starts_at": charter.starts_at.isoformat(), "ends_at": charter.ends_at.isoformat()}
        charter.starts_at, charter.ends_at = starts_at, ends_at
        charter.save(update_fields=["starts_at", "ends_at", "updated_at"])
        after = {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()}
        if charter.status == CharterStatus.CONFIRMED:
            _targets_enqueue(_targets_mark_pending(charter))
        _audit("charter.reschedule", charter, actor, {"before": before, "after": after})
    return charter


def target_retry(*, charter: Charter, kind: str, actor: Actor) -> SyncedMirror:
    """Staff's "retry" button: run one target again, whatever state it is in."""
    if kind not in TARGET_KINDS:
        raise FlowError(f"Unknown target {kind!r}.")
    with transaction.atomic(durable=True):
        charter = _charter_lock(charter)
        row = _row_mark_pending(TARGET_KINDS[kind], charter)
        _audit("charter.target_retry", charter, actor, {"target": kind})
        _row_enqueue(kind, row.pk)
    return row


def _charter_lock(charter: Charter) -> Charter:
    return Charter.objects.select_for_update().get(pk=charter.pk)


def _targets_mark_pending(charter: Charter) -> Targets:
    return Targets(
        guest_page=_row_mark_pending(GuestPage, charter),
        calendar_entry=_row_mark_pending(CalendarEntry, charter),
        crew_event=_row_mark_pending(CrewEvent, charter),
    )


def _row_mark_pending(model: type[SyncedMirror], charter: Charter) -> Any:
    """A new round for one target: pending, attempts and last error cleared."""
    row, _ = model._default_manager.get_or_create(charter=charter)
    row.sync_state, row.attempts, row.last_error = SyncState.PENDING, 0, ""
    row.save(update_fields=["sync_state", "attempts", "last_error", "updated_at"])
    return row


def _targets_enqueue(targets: Targets) -> None:
    _row_enqueue("guest_page", targets.guest_page.pk)
    _row_enqueue("calendar_entry", targets.calendar_entry.pk)
    _row_enqueue("crew_event", targets.crew_event.pk)


def _row_enqueue(kind: str, row_id: int) -> None:
    """Enqueue one target's task after the surrounding transaction commits (ids only: JSON)."""
    task = {
        "guest_page": tasks.guest_page_sync,
        "calendar_entry": tasks.calendar_entry_sync,
        "crew_event": tasks.crew_event_sync,
    }[kind]
    task.delay_on_commit(row_id)


def _audit(action: str, charter: Charter, actor: Actor, data: dict[str, Any]) -> None:
    if isinstance(actor, str):
        audit_record(action=action, obj=charter, actor_label=actor, data=data)
    else:
        audit_record(action=action, obj=charter, actor=actor, data=data)


# ================================================================================================
# 2. What each task does: claim the row, push the charter's current state, record the outcome.
# ================================================================================================


def guest_page_sync(*, page_id: int, final_attempt: bool = True) -> str:
    """Publish the page to the charter's brand bucket, or withdraw it when the charter is not live."""
    return _target_sync(GuestPage, page_id, _guest_page_push, final_attempt)


def calendar_entry_sync(*, entry_id: int, final_attempt: bool = True, calendar: CalendarClient | None = None) -> str:
    """Upsert the charter's entry in the internal calendar, or remove it when the charter is not live.

    Without ``calendar`` (tests pass their own), the process's shared client: building one per
    task cost more than the request.
    """
    return _target_sync(
        CalendarEntry, entry_id, lambda row: _calendar_entry_push(row, calendar or calendar_client()), final_attempt
    )


def crew_event_sync(*, event_id: int, final_attempt: bool = True, scc: Any = None) -> str:
    """Upsert the crew event in ShipCaptainCrew (which tells the crew), or cancel it."""
    return _target_sync(CrewEvent, event_id, lambda row: _crew_event_push(row, scc), final_attempt)


def _target_sync(model: type[SyncedMirror], row_id: int, push: Callable[[Any], str], final_attempt: bool) -> str:
    """Returns the row's final state for this run; raises ``RemoteError`` so the task can decide to retry."""
    row = _row_claim(model, row_id)
    if row is None:
        return "skipped"
    try:
        # Re-push if the charter changed while we were pushing, so a slow run can never leave an
        # older version live after a newer one.
        for _ in range(3):
            seen = row.charter.updated_at
            remote_id = push(row)
            row.charter = Charter.objects.select_related("brand", "vessel").get(pk=row.charter_id)
            if row.charter.updated_at == seen:
                break
    except RemoteError as exc:
        _row_release(row, exc.message, retrying=exc.transient and not final_attempt)
        raise
    except (ClientError, BotoCoreError) as exc:
        transient = _aws_transient(exc)
        _row_release(row, f"AWS: {exc}"[:500], retrying=transient and not final_attempt)
        raise RemoteError(f"AWS: {exc}"[:500], transient=transient) from exc
    except SoftTimeLimitExceeded as exc:
        message = "The push took longer than the task's time limit."
        _row_release(row, message, retrying=not final_attempt)
        raise RemoteError(message, transient=True) from exc
    except JadaError as exc:
        _row_release(row, exc.message, retrying=False)
        raise RemoteError(exc.message, transient=False) from exc
    except Exception as exc:
        logger.exception("%s %s failed with a bug", model.__name__, row_id)
        _row_release(row, f"Internal error ({type(exc).__name__}); it has been logged.", retrying=False)
        raise
    _row_done(row, remote_id)
    return SyncState.SYNCED


def _row_claim(model: type[SyncedMirror], row_id: int) -> Any:
    """pending/failed/syncing → syncing, one more attempt; None if the row is gone or already synced.

    A row left ``syncing`` by a worker that died is claimed again: the push is idempotent.
    """
    with transaction.atomic():
        manager: Any = model._default_manager
        row: Any = (
            manager.select_for_update(of=("self",))
            .select_related("charter__brand", "charter__vessel")
            .filter(pk=row_id)
            .first()
        )
        if row is None or row.sync_state == SyncState.SYNCED:
            return None
        row.sync_state, row.attempts = SyncState.SYNCING, row.attempts + 1
        row.save(update_fields=["sync_state", "attempts", "updated_at"])
    return row


def _row_done(row: Any, remote_id: str) -> None:
    # Excluding PENDING: if staff started a new round meanwhile, its task decides the final state.
    now = timezone.now()
    manager = type(row)._default_manager
    manager.filter(pk=row.pk).update(remote_id=remote_id[:200])
    manager.filter(pk=row.pk).exclude(sync_state=SyncState.PENDING).update(
        sync_state=SyncState.SYNCED, last_error="", last_synced_at=now, updated_at=now
    )


def _row_release(row: Any, error: str, *, retrying: bool) -> None:
    message = f"{error} (retrying automatically)" if retrying else error
    type(row)._default_manager.filter(pk=row.pk).exclude(sync_state=SyncState.PENDING).update(
        sync_state=SyncState.FAILED, last_error=message[:2000], updated_at=timezone.now()
    )


def _aws_transient(exc: Exception) -> bool:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.get("Code") in THROTTLING_CODES or status >= 500
    return True  # BotoCoreError: endpoint unreachable, timeouts, connection resets


def _charter_is_live(charter: Charter) -> bool:
    return charter.status in LIVE_STATUSES


def _guest_page_push(page: GuestPage) -> str:
    from guestpages.services import guest_page_publish, guest_page_withdraw

    if _charter_is_live(page.charter):
        published = guest_page_publish(charter=page.charter)
        return published.public_url or published.object_key
    withdrawn = guest_page_withdraw(charter=page.charter)
    return withdrawn.object_key


def _calendar_entry_push(entry: CalendarEntry, client: CalendarClient) -> str:
    charter = entry.charter
    if not _charter_is_live(charter):
        client.entry_delete(charter.code)
        return ""
    payload = calendar_entry_payload(charter)
    stored = client.entry_upsert(payload, idempotency_key=idempotency_key("calendar", payload))
    return str(stored.get("charter_id") or charter.code)


def _crew_event_push(event: CrewEvent, scc: Any) -> str:
    from crew.client import scc_client

    client = scc or scc_client()  # shared per process: building a client per task cost more than the call
    charter = event.charter
    payload = crew_event_payload(charter)
    if _charter_is_live(charter):
        return str(client.event_upsert(payload)["id"])
    event_id = event.remote_id
    if not event_id:
        # No id recorded, yet an earlier attempt may have created the event before its worker
        # died: look it up by charter rather than assume there is nothing to cancel.
        found = client.event_find(charter.code)
        if found is None:
            return ""
        event_id = str(found["id"])
    client.event_cancel(event_id)  # cancelling twice is cancelling once; crew are told once
    return event_id


# ================================================================================================
# 3. What the targets receive: allow-lists, never money or internal notes.
# ================================================================================================

CALENDAR_ENTRY_FIELDS = (
    "charter_id",
    "date",
    "title",
    "starts_at",
    "ends_at",
    "vessel",
    "brand",
    "status",
    "meeting_point",
    "guest_count",
)
# What the SCC API accepts: the crew-facing allow-list less what the SCC side owns.
CREW_EVENT_FIELDS = tuple(f for f in CREW_FACING_FIELDS if f not in ("id", "updated_at", "version"))


def calendar_entry_payload(charter: Charter) -> dict[str, Any]:
    """The office calendar's view of a charter (internal: guest name yes, money no)."""
    local_start = timezone.localtime(charter.starts_at, charter.brand.zone)
    payload = {
        "charter_id": charter.code,
        "date": local_start.date().isoformat(),
        "title": f"{charter.vessel.name} · {charter.guest_name} ({charter.party_size})"[:200],
        "starts_at": local_start.isoformat(),
        "ends_at": timezone.localtime(charter.ends_at, charter.brand.zone).isoformat(),
        "vessel": charter.vessel.name,
        "brand": charter.brand.slug,
        "status": charter.status,
        "meeting_point": charter.meeting_point[:300],
        "guest_count": charter.party_size,
    }
    return {name: payload[name] for name in CALENDAR_ENTRY_FIELDS}


def crew_event_payload(charter: Charter) -> dict[str, Any]:
    """The crew-facing event: operational fields only. ``crew_notes`` are scrubbed again by SCC."""
    zone = charter.brand.zone
    crew = [
        {"email": a.crew_member.email, "name": a.crew_member.name, "role": a.role}
        for a in charter.crew_assignments.select_related("crew_member").order_by("role", "crew_member__email")
    ]
    payload = {
        "charter_ref": charter.code,
        "title": f"{charter.vessel.name} charter, party of {charter.party_size}",
        "starts_at": timezone.localtime(charter.starts_at, zone).isoformat(),
        "ends_at": timezone.localtime(charter.ends_at, zone).isoformat(),
        "vessel": charter.vessel.name,
        "meeting_point": charter.meeting_point,
        "guest_count": charter.party_size,
        "crew": crew,
        "notes": charter.crew_notes,
        "status": "cancelled" if charter.status == CharterStatus.CANCELLED else "confirmed",
    }
    return {name: payload[name] for name in CREW_EVENT_FIELDS}


def idempotency_key(target: str, payload: dict[str, Any]) -> str:
    """Same content, same key: a replayed upsert is recognised by the receiver and changes nothing."""
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"{target}:{payload.get('charter_id') or payload.get('charter_ref')}:{digest}"


def target_live_as(kind: str, charter: Charter, row: Any) -> str:
    """What a synced target is live as, in staff's words ("" while not synced)."""
    if row is None or row.sync_state != SyncState.SYNCED:
        return ""
    if charter.status == CharterStatus.CANCELLED:
        return {"guest_page": "withdrawn", "calendar_entry": "removed", "crew_event": "cancelled, crew told"}[kind]
    return str(row.remote_id or "live")


def charters_confirm(*, charters: models.QuerySet[Charter] | list[Charter], actor: Actor) -> list[tuple[Charter, str]]:
    """Confirm many charters, each in its own transaction; returns (charter, "" or the error) per charter."""
    results = []
    for charter in charters:
        try:
            results.append((charter_confirm(charter=charter, actor=actor), ""))
        except JadaError as exc:
            results.append((charter, exc.message))
    return results


# provisional (intake), replaced by the lead's charter_edit
EDITABLE_FIELDS = frozenset(
    {
        "guest_name",
        "guest_email",
        "guest_phone",
        "party_size",
        "meeting_point",
        "crew_notes",
        "guest_notes",
        "internal_notes",
        "gross_revenue",
        "platform_fee",
        "payout",
    }
)


def charter_edit(*, charter: Charter, changes: dict[str, Any], actor: Actor) -> Charter:
    """Apply field changes in one durable transaction; a confirmed charter re-pushes every target."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise FlowError(f"These fields change through their own step: {', '.join(sorted(unknown))}.")
    with transaction.atomic(durable=True):
        charter = _charter_lock(charter)
        before = {name: str(getattr(charter, name)) for name in changes}
        for name, value in changes.items():
            setattr(charter, name, value)
        charter.save(update_fields=[*changes, "updated_at"])
        _audit("charter.edit", charter, actor, {"before": before, "after": {k: str(v) for k, v in changes.items()}})
        if charter.status == CharterStatus.CONFIRMED:
            _targets_enqueue(_targets_mark_pending(charter))
    return charter
