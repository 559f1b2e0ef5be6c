"""Planning guest messages: which e-mails a charter's guest gets, and when (the ledger's writes).

The booking flow calls ``guest_messages_plan`` inside the transaction of each change
(confirm, cancel, reschedule, edit), so a message exists exactly when the change that causes it
does (a transactional outbox); ``guestpages.message_send`` sends the rows when they are due.
The rules the plan keeps (DESIGN.md "Guest messages"):

- **Once per (charter, kind, version).** Planning the same state twice changes nothing: a row is
  only added when what the guest should hear differs from what the ledger already holds.
- **In the charter's zone.** The reminder is at the brand's reminder hour on the local day
  before departure; photo-open when the photo window opens; thank-you a little after return;
  each pushed out of the brand's quiet hours.
- **A change regenerates, a cancellation voids.** A reschedule voids the future rows that no
  longer fit and writes new versions; the guest is told what changed ("moved") once, or — when
  the confirmation had not gone out yet — gets one confirmation with the new details instead.
  A cancellation voids every unsent row and, if the guest had been told about the trip, sends
  the cancellation.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from guestpages.message_models import GuestMessage, GuestMessageKind, GuestMessageState
from guestpages.message_render import trip_facts
from guestpages.quiet_hours import quiet_hours_next_allowed
from guestpages.window import photo_window
from jada.audit import audit_record

if TYPE_CHECKING:
    from bookings.models import Charter

logger = logging.getLogger(__name__)

PLAN_REASONS = ("confirmed", "rescheduled", "changed", "cancelled")
THANK_YOU_AFTER = timedelta(hours=2)
# Rows whose message reached (or may have reached) the guest: they count as "the guest was told".
TOLD_STATES = (
    GuestMessageState.SENDING,
    GuestMessageState.SENT,
    GuestMessageState.UNCERTAIN,
    GuestMessageState.BOUNCED,
    GuestMessageState.COMPLAINED,
)
LIVE_STATES = (GuestMessageState.DUE, *TOLD_STATES)
K = GuestMessageKind


def guest_message_due_times(charter: Charter, *, now: datetime) -> dict[str, datetime | None]:
    """When each scheduled kind is due for the charter as it is now (None: not to be sent).

    A time already past is None: a charter booked for tomorrow morning gets its confirmation,
    not a "reminder" in the same minute.
    """
    brand = charter.brand
    local_start = timezone.localtime(charter.starts_at, brand.zone)
    reminder = datetime.combine(
        local_start.date() - timedelta(days=1), time(hour=min(brand.mail_reminder_hour, 23)), tzinfo=brand.zone
    )
    wanted: dict[str, datetime | None] = {
        K.REMINDER: reminder,
        K.PHOTO_OPEN: photo_window(charter, now=now).opens_at,
        K.THANK_YOU: charter.ends_at + THANK_YOU_AFTER,
    }
    due: dict[str, datetime | None] = {}
    for kind, moment in wanted.items():
        if moment is None or moment <= now:
            due[kind] = None
            continue
        moment = quiet_hours_next_allowed(brand, moment)
        if kind == K.REMINDER and moment >= charter.starts_at:
            due[kind] = None  # quiet hours pushed it past departure: the confirmation must do
        else:
            due[kind] = moment
    return due


def guest_messages_plan(*, charter: Charter, reason: str, now: datetime | None = None) -> list[GuestMessage]:
    """Bring the charter's ledger in line with the charter; returns the rows it added.

    Call it inside the transaction of the change (the flow holds the charter's row lock, so two
    plans for one charter never interleave). ``reason`` is one of ``PLAN_REASONS``.
    """
    if reason not in PLAN_REASONS:
        raise ValueError(f"unknown reason {reason!r}; use one of {PLAN_REASONS}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("guest_messages_plan must run inside the transaction that changes the charter")
    now = now or timezone.now()
    if not charter.guest_email:
        return []
    rows = list(GuestMessage.objects.filter(charter=charter).order_by("id"))
    if charter.status == "cancelled" or reason == "cancelled":
        added = _plan_cancelled(charter, rows, now)
    elif charter.status in ("confirmed", "completed"):
        added = _plan_live(charter, rows, now)
    else:
        added = []
    # One INSERT for the plan: the versions were numbered from ``rows`` (every row of the charter,
    # read under the flow's charter lock), the unique (charter, kind, version) guards the rest.
    added = GuestMessage.objects.bulk_create(added)
    for row in added:
        row.charter = charter
    if any(row.due_at <= now for row in added):
        _send_soon([row.pk for row in added if row.due_at <= now])
    return added


def _since_cancellation(rows: list[GuestMessage]) -> list[GuestMessage]:
    """The rows written since the last cancellation message: a re-confirmed charter starts afresh."""
    last = max((i for i, row in enumerate(rows) if row.kind == K.CANCELLED), default=-1)
    return rows[last + 1 :]


def _plan_live(charter: Charter, rows: list[GuestMessage], now: datetime) -> list[GuestMessage]:
    current = _since_cancellation(rows)
    facts = trip_facts(charter)
    added: list[GuestMessage] = []
    address = charter.guest_email.strip()
    for row in current:
        if row.state == GuestMessageState.DUE and row.to_email != address:  # the guest's address was corrected
            GuestMessage.objects.filter(pk=row.pk, state=GuestMessageState.DUE).update(to_email=address)
    told = [r for r in current if r.kind in (K.CONFIRMATION, K.MOVED) and r.state in LIVE_STATES]
    if not told:
        added.append(_add(charter, K.CONFIRMATION, now, {"facts": facts}, rows=rows))
    else:
        baseline = told[-1]
        changes = _changes(baseline.content.get("facts", {}), facts)
        if changes and baseline.state == GuestMessageState.DUE:
            _void(baseline, "replaced: the details changed before it was sent")
            added.append(_add(charter, baseline.kind, now, {**baseline.content, "facts": facts}, rows=rows))
        elif changes:
            added.append(_add(charter, K.MOVED, now, {"facts": facts, "changes": changes}, rows=rows))
    for kind, due_at in guest_message_due_times(charter, now=now).items():
        live = [r for r in current if r.kind == kind and r.state in LIVE_STATES]
        pending = [r for r in live if r.state == GuestMessageState.DUE]
        if due_at is not None and any(r.due_at == due_at for r in pending):
            continue  # already planned for this time
        for row in pending:
            _void(row, "replaced: the trip moved")
        done_for_these_facts = any(r.state in TOLD_STATES and r.content.get("facts") == facts for r in live)
        if due_at is not None and not done_for_these_facts:
            added.append(_add(charter, kind, due_at, {"facts": facts}, rows=rows))
    return added


def _plan_cancelled(charter: Charter, rows: list[GuestMessage], now: datetime) -> list[GuestMessage]:
    current = _since_cancellation(rows)
    for row in current:
        if row.state == GuestMessageState.DUE:
            _void(row, "voided: the charter was cancelled")
    told = any(r.kind in (K.CONFIRMATION, K.MOVED) and r.state in TOLD_STATES for r in current)
    if not told:
        return []  # the guest never heard of the trip from us: no cancellation to explain
    return [_add(charter, K.CANCELLED, now, {"facts": trip_facts(charter)}, rows=rows)]


def _changes(before: dict[str, str], after: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"field": field, "before": before.get(field, ""), "after": after[field]}
        for field in ("date", "time", "meeting_point")
        if before.get(field, "") != after[field]
    ]


def _add(
    charter: Charter, kind: str, due_at: datetime, content: dict[str, Any], *, rows: list[GuestMessage]
) -> GuestMessage:
    """A new (unsaved) row numbered after every row of ``kind`` in ``rows``, to which it is appended."""
    version = max((r.version for r in rows if r.kind == kind), default=0) + 1
    row = GuestMessage(
        charter=charter,
        kind=kind,
        version=version,
        to_email=charter.guest_email.strip(),
        due_at=due_at,
        content=content,
    )
    rows.append(row)
    return row


def _void(row: GuestMessage, why: str) -> None:
    GuestMessage.objects.filter(pk=row.pk, state=GuestMessageState.DUE).update(
        state=GuestMessageState.VOIDED, last_error=why, updated_at=timezone.now()
    )
    row.state = GuestMessageState.VOIDED


def _send_soon(ids: list[int]) -> None:
    """Hand the rows due now to a worker after commit; beat would find them anyway."""
    from guestpages import tasks

    task: Any = tasks.guest_message_send  # celery-types does not know delay_on_commit
    for pk in ids:
        task.delay_on_commit(pk)


def guest_message_resend(*, message: GuestMessage, actor: Any) -> GuestMessage:
    """Staff's "resend": the same kind again as a new version, due now (the old row stays as it was)."""
    with transaction.atomic(durable=True):
        charter = message.charter
        earlier = list(GuestMessage.objects.filter(charter=charter, kind=message.kind).only("kind", "version"))
        row = _add(charter, message.kind, timezone.now(), dict(message.content), rows=earlier)  # to the current address
        row.save()
        audit_record(
            action="guest_message.resend",
            obj=row,
            actor=actor if not isinstance(actor, str) else None,
            actor_label=actor if isinstance(actor, str) else "",
            data={"of": message.pk, "kind": message.kind, "version": row.version},
        )
        _send_soon([row.pk])
    return row


def guest_messages_redrive(*, older_than: timedelta) -> int:
    """Re-drive the ledger; returns how many due messages were handed to workers again.

    - Rows ``due`` for longer than ``older_than`` (a lost broker message, beat down) are
      enqueued again; sending claims them once whatever the number of tasks.
    - Rows left ``sending`` for longer than ``older_than`` belonged to a sender that died between
      claiming and marking: it may or may not have handed the message over. They are **not**
      sent again (at most once); they become ``uncertain`` for staff, unless the ESP already
      reported the message (then ``sent``).
    """
    from guestpages import tasks

    cutoff = timezone.now() - older_than
    stuck = GuestMessage.objects.filter(state=GuestMessageState.SENDING, sending_at__lt=cutoff)
    reported = stuck.filter(delivery_events__isnull=False)
    reported.update(state=GuestMessageState.SENT, sent_at=timezone.now(), updated_at=timezone.now())
    uncertain = stuck.update(
        state=GuestMessageState.UNCERTAIN,
        last_error="The sender stopped after claiming it; it may or may not have been sent. Resend if needed.",
        updated_at=timezone.now(),
    )
    if uncertain:
        logger.warning("%s guest message(s) left sending are now uncertain (never re-sent automatically)", uncertain)
    overdue = list(
        GuestMessage.objects.filter(state=GuestMessageState.DUE, due_at__lt=cutoff).values_list("pk", flat=True)
    )
    for pk in overdue:
        tasks.guest_message_send.delay(pk)
    return len(overdue)
