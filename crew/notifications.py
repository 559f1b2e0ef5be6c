"""Telling crew about their events by e-mail, through an outbox: once, and only from a clean record.

The rules this keeps (docs/booking-flow.md "Crew notifications: the outbox"):

1. **Every e-mail is a row first.** ``crew_notifications_record`` writes one ``CrewNotification``
   per crew member to tell, ``pending``, in one transaction committed just before the event
   version is written to DynamoDB (a write that lands while its caller dies is still told; a row
   whose version is not stored yet waits). Delivery is enqueued on commit once the write landed.
   A lost broker message, a flushed Redis or a killed worker leaves the row ``pending``;
   ``crew_notifications_redrive`` (beat, ``manage.py redrive``) picks it up.
2. **No clean record, no e-mail.** The item is re-read from DynamoDB and verified
   (``crew_item_problems``, and the rendered text with ``text_is_clean``). A row that fails is
   ``held`` with the reason, logged at ERROR, and nothing is sent.
3. **At most once, even across a crash.** A row is claimed under a row lock; the lock is held
   while the record is verified, the message rendered and the mail server connected, so a worker
   that dies in that phase leaves the row ``pending`` (nothing was handed over). Just before the
   message is handed to the server, ``sending`` is *committed* with the Message-ID it carries. A
   row later found ``sending`` may have been delivered, so nothing re-sends it automatically;
   staff see it and may send it again. A refusal the server *answered* (4xx/5xx) proves the
   message was not accepted, so it is retried.
4. **Cancelled since: only the cancellation.** A row about a live event whose re-read item is
   cancelled becomes ``superseded``; only ``cancelled`` and ``removed`` notices go to its crew.
5. **In order per event.** Deliveries of one event are serialised (a PostgreSQL advisory lock),
   so a cancellation can never overtake the assignment it cancels.

Each message (``crew.notification_message``) carries a magic link from
``crew.links.crew_login_link`` and is recorded as a ``CrewExposure`` (channel e-mail).
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.utils import timezone

from crew import dynamo, outbox_sql
from crew.crew_facing import crew_facing
from crew.models import (
    CrewExposure,
    CrewMember,
    CrewNotification,
    ExposureChannel,
    NotificationKind,
    NotificationState,
)
from crew.notification_message import UnsafeMessageError, crew_event_message
from jada.errors import JadaError

logger = logging.getLogger(__name__)

# Sent to a cancelled event's crew; every other kind about it is superseded.
CANCELLATION_KINDS = (NotificationKind.CANCELLED, NotificationKind.REMOVED)
SEND_ATTEMPTS = 8  # answered refusals before a row is `failed` (redrive may try it again later)
REDRIVE_GRACE = timedelta(seconds=60)  # longer than an on-commit enqueue takes to be picked up
REDRIVE_MAX_ATTEMPTS = 40
REDRIVE_BATCH = 500


class NotificationDeferredError(JadaError):
    """The mail server refused or could not be reached before the hand-over: safe to try again."""


def crew_notifications_record(
    *, event_id: str, charter_ref: str, version: int, notices: dict[str, str]
) -> list[CrewNotification]:
    """Write the outbox rows for one stored event version (the caller enqueues delivery on commit).

    ``notices`` maps e-mail → kind (``crew.services.crew_notices``). An address that is no crew
    member here is logged and skipped (there is nobody to link the row to). Recording the same
    version twice adds nothing (the unique constraint); returned are the rows this call added.
    On PostgreSQL that is one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (``crew.outbox_sql``).
    """
    if not notices:
        return []
    members = {m.email.lower(): m for m in CrewMember.objects.filter(email__in=list(notices))}
    for email in {e.lower() for e in notices} - set(members):
        logger.warning("Crew event %s lists %s, who is not a crew member here; not e-mailed", event_id, email)
    wanted = sorted({(members[e.lower()].pk, kind) for e, kind in notices.items() if e.lower() in members})
    rows = [
        CrewNotification(event_id=event_id, charter_ref=charter_ref, crew_member_id=pk, version=version, kind=kind)
        for pk, kind in wanted
    ]
    if rows and db_connection.vendor == "postgresql":
        return outbox_sql.notifications_insert_new(rows)
    existing = set(
        CrewNotification.objects.filter(event_id=event_id, version=version).values_list("crew_member_id", "kind")
    )
    rows = [row for row in rows if (row.crew_member_id, row.kind) not in existing]
    try:
        with transaction.atomic():
            return CrewNotification.objects.bulk_create(rows)
    except IntegrityError:  # a concurrent writer recorded some of them first: keep theirs
        CrewNotification.objects.bulk_create(rows, ignore_conflicts=True)
        return []


def crew_notifications_discard(*, rows: list[CrewNotification]) -> None:
    """Remove rows this write recorded for a version the store then refused (nothing was written)."""
    CrewNotification.objects.filter(
        pk__in=[r.pk for r in rows if r.pk], state=NotificationState.PENDING, attempts=0
    ).delete()


def _deliver_enqueue(event_id: str) -> None:
    from crew.tasks import crew_event_deliver

    crew_event_deliver.delay(event_id=event_id)


def _deliver_enqueue_all(event_ids: list[str]) -> None:
    for event_id in event_ids:
        _deliver_enqueue(event_id)


def crew_event_deliver(*, event_id: str) -> Counter[str]:
    """Send every pending notification of one event, oldest version first; returns outcomes.

    The item is re-read once per pass, under the event's delivery lock, and every row of the pass
    is verified against that read: a write landing meanwhile enqueues its own delivery, which
    waits for this lock and reads afresh. The item is marked ``notified`` once, for the newest
    version the pass sent, unless a row of that version was held (fail closed).

    Raises ``NotificationDeferredError`` after the pass when any row was deferred (the task
    retries with back-off); the other rows are settled either way.
    """
    outcomes: Counter[str] = Counter()
    with _event_serialised(event_id):
        pending = CrewNotification.objects.filter(event_id=event_id, state=NotificationState.PENDING)
        rows = list(pending.order_by("version", "pk").values_list("pk", "version"))
        item = dynamo.crew_event_item(event_id) if rows else None
        sent: set[int] = set()
        held: set[int] = set()
        for pk, version in rows:
            outcome = crew_notification_send(notification_id=pk, item=item)
            outcomes[outcome] += 1
            if outcome == "sent":
                sent.add(version)
            elif outcome == NotificationState.HELD:
                held.add(version)
        if sent and max(sent) not in held:
            dynamo.crew_event_delivery_mark(event_id, version=max(sent), state="notified")
    if outcomes["deferred"]:
        raise NotificationDeferredError(f"{outcomes['deferred']} notification(s) of {event_id} were deferred")
    return outcomes


@contextlib.contextmanager
def _event_serialised(event_id: str) -> Iterator[None]:
    """One delivery per event at a time across every worker (session advisory lock on PostgreSQL)."""
    if db_connection.vendor != "postgresql":
        yield
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [f"crew-deliver:{event_id}"])
    try:
        yield
    finally:
        # A dead connection already released the lock with the session.
        with contextlib.suppress(Exception), db_connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [f"crew-deliver:{event_id}"])


def crew_notification_send(*, notification_id: int, item: dict[str, Any] | None) -> str:
    """Send one pending notification, verified against ``item`` (the event item as re-read by
    ``crew_event_deliver``); returns sent, held, superseded, deferred, unknown, waiting or skipped.
    The caller marks the item ``notified``."""
    try:
        with transaction.atomic():
            row = (
                CrewNotification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("crew_member__user")
                .filter(pk=notification_id, state=NotificationState.PENDING)
                .first()
            )
            if row is None:
                return "skipped"  # another worker has it, or it is settled
            prepared = _prepare(row, item)
            if isinstance(prepared, str):
                return prepared
            message, mail = prepared
            _mail_connect(mail)
            row.state, row.attempts, row.last_error = NotificationState.SENDING, row.attempts + 1, ""
            row.save(update_fields=["state", "attempts", "last_error", "message_id", "updated_at"])
    except (smtplib.SMTPException, OSError) as exc:
        return _defer(notification_id, f"mail server not reached: {exc!r}")
    # `sending` is committed: from here on the message may be delivered.
    try:
        mail.send_messages([message])
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, AnymailRecipientsRefused) as exc:
        return _defer(notification_id, f"refused by the mail server: {exc!r}", was_sending=True)
    except AnymailAPIError as exc:
        if getattr(exc, "status_code", None):
            return _defer(notification_id, f"refused by the e-mail provider: {exc!r}", was_sending=True)
        return _unknown(row, exc)
    except Exception as exc:  # a timeout or a dropped connection mid-hand-over: maybe delivered
        return _unknown(row, exc)
    finally:
        with contextlib.suppress(Exception):
            mail.close()
    if db_connection.vendor == "postgresql":
        outbox_sql.notification_sent(row)  # both in one statement
        return "sent"
    with transaction.atomic():
        CrewNotification.objects.filter(pk=row.pk).update(
            state=NotificationState.SENT, sent_at=timezone.now(), updated_at=timezone.now()
        )
        CrewExposure.objects.create(
            crew_member=row.crew_member, event_id=row.event_id, version=row.version, channel=ExposureChannel.EMAIL
        )
    return "sent"


def _prepare(row: CrewNotification, item: dict[str, Any] | None) -> tuple[EmailMultiAlternatives, Any] | str:
    """Verify the re-read record and build the message, or settle the row and say why not."""
    if item is None:
        return "waiting"  # its first write has not landed (yet); SCC never deletes an event
    problems = dynamo.crew_item_problems(item)
    if problems:
        logger.error(
            "Crew event %s failed verification before notifying (%s): NO e-mail sent; notification held",
            row.event_id,
            "; ".join(problems),
        )
        dynamo.crew_event_delivery_mark(row.event_id, version=int(item.get("version") or row.version), state="failed")
        return _settle(row, NotificationState.HELD, "failed verification: " + "; ".join(problems))
    event = crew_facing(item)
    if int(event["version"] or 0) < row.version:
        return "waiting"  # its write has not landed (yet): stays pending, the re-drive comes back
    if event["status"] == "cancelled" and row.kind not in CANCELLATION_KINDS:
        return _settle(row, NotificationState.SUPERSEDED, "the event was cancelled since")
    if not row.crew_member.user.is_active:
        return _settle(row, NotificationState.SUPERSEDED, "the crew member is deactivated")
    on_crew = {str(e["email"]).lower() for e in event["crew"]}
    if row.kind not in CANCELLATION_KINDS and row.crew_member.email.lower() not in on_crew:
        return _settle(row, NotificationState.SUPERSEDED, "no longer on the event's crew")
    try:
        message = crew_event_message(row.crew_member, event, kind=row.kind)
    except UnsafeMessageError as exc:
        logger.error("Crew event %s: %s: NO e-mail sent; notification held", row.event_id, exc)
        dynamo.crew_event_delivery_mark(row.event_id, version=int(event["version"] or row.version), state="failed")
        return _settle(row, NotificationState.HELD, str(exc))
    row.message_id = notification_message_id(row)
    message.extra_headers.update(
        {
            "Message-ID": row.message_id,
            "X-Jada-Charter": row.charter_ref or str(event.get("charter_ref") or ""),
            "X-Jada-Event": row.event_id,
            "X-Jada-Version": str(row.version),
            "X-Jada-Kind": row.kind,
        }
    )
    return message, get_connection()


def _mail_connect(mail: Any) -> None:
    """Connect, greet and authenticate before anything is handed over (a failure here is safe to retry)."""
    mail.open()
    smtp = getattr(mail, "connection", None)
    if isinstance(smtp, smtplib.SMTP):
        smtp.ehlo_or_helo_if_needed()


def notification_message_id(row: CrewNotification) -> str:
    """One Message-ID per outbox row, whatever the attempt: receivers can tell a re-send is the same."""
    domain = str(settings.DEFAULT_FROM_EMAIL).rsplit("@", 1)[-1].strip("> ") or "jada.invalid"
    return f"<crew-notification-{row.pk}@{domain}>"


def _settle(row: CrewNotification, state: str, reason: str) -> str:
    row.state, row.last_error = state, reason
    row.save(update_fields=["state", "last_error", "message_id", "updated_at"])
    return str(state)


def _defer(notification_id: int, reason: str, *, was_sending: bool = False) -> str:
    """The message was certainly not accepted: back to pending (or failed once attempts run out)."""
    logger.warning("Crew notification %s deferred: %s", notification_id, reason)
    rows = CrewNotification.objects.filter(
        pk=notification_id, state=NotificationState.SENDING if was_sending else NotificationState.PENDING
    )
    if not was_sending:
        rows.update(attempts=F("attempts") + 1)
    rows.filter(attempts__gte=SEND_ATTEMPTS).update(state=NotificationState.FAILED, last_error=reason)
    rows.update(state=NotificationState.PENDING, last_error=reason)
    return "deferred"


def _unknown(row: CrewNotification, exc: BaseException) -> str:
    reason = f"delivery unknown (the connection failed during the hand-over: {exc!r}); not re-sent automatically"
    logger.error("Crew notification %s (%s): %s", row.pk, row.message_id, reason)
    CrewNotification.objects.filter(pk=row.pk, state=NotificationState.SENDING).update(last_error=reason)
    return "unknown"


def crew_notifications_redrive(*, older_than: timedelta = REDRIVE_GRACE) -> int:
    """Re-enqueue delivery of every event with notifications pending or failed for ``older_than``.

    Rows left ``sending`` are not touched: they may have been delivered (see the module rules).
    Returns how many notifications were re-driven.
    """
    now = timezone.now()
    stale = Q(state=NotificationState.PENDING) | Q(state=NotificationState.FAILED, attempts__lt=REDRIVE_MAX_ATTEMPTS)
    with transaction.atomic():
        ids = list(
            CrewNotification.objects.select_for_update(skip_locked=True)
            .filter(stale, updated_at__lt=now - older_than)
            .values_list("pk", flat=True)[:REDRIVE_BATCH]
        )
        rows = CrewNotification.objects.filter(pk__in=ids)
        # Touching updated_at makes the next beat run wait a full grace before trying again.
        rows.update(state=NotificationState.PENDING, updated_at=now)
        events = sorted(set(rows.values_list("event_id", flat=True)))
        transaction.on_commit(lambda: _deliver_enqueue_all(events))
    if ids:
        logger.info("re-drove %d crew notifications of %d events", len(ids), len(events))
    return len(ids)


def crew_notification_resend(*, notification: CrewNotification) -> CrewNotification:
    """Staff's decision to send a ``sending`` (maybe delivered), held or failed row again."""
    CrewNotification.objects.filter(pk=notification.pk).exclude(state=NotificationState.SENT).update(
        state=NotificationState.PENDING, attempts=0, updated_at=timezone.now()
    )
    transaction.on_commit(lambda: _deliver_enqueue(notification.event_id))
    notification.refresh_from_db()
    return notification
