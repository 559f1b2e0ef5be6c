"""Counting the drill's outcome where it landed: the buckets, the calendar API's store, DynamoDB,
the SMTP sink, the outbox ledger and the logs — never the sync rows alone.

Per charter: exactly one page in its brand's bucket (the withdrawn page once cancelled) and none
in the other brand's, one calendar entry while live (none once cancelled), one crew event in
DynamoDB with the charter's current status, times and crew. Per (member, charter, version,
kind): exactly one e-mail for each outbox row that says ``sent``, none for any other row, none
that no row explains, and nothing after a charter's cancellation notice except the cancellation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

WITHDRAWN_MARKER = 'id="cancelled"'
INJECTED_MARKERS = (
    "WorkerLostError",
    "administrator command",
    "server closed the connection",
    "consuming input failed",
    "connection is closed",
    "connection already closed",
    "injected",
    "ProvisionedThroughputExceeded",
    "SlowDown",
    "ServiceUnavailable",
    "Connection refused",
    "ConnectionError",
    "Connection closed by server",
    "Error 111",
    "SMTP",
    "timed out",
    "TimeoutError",
)
TRACEBACK = "Traceback (most recent call last):"
TIMESTAMPED = re.compile(r"^\[?(\d{4}|0000)-\d\d-\d\d[ T]\d\d:\d\d")


@dataclass
class DrillCounts:
    charters: int = 0
    cancelled: int = 0
    edited: int = 0
    targets_expected: int = 0
    targets_synced: int = 0
    emails: int = 0
    email_keys: int = 0
    guest_emails: int = 0
    guest_keys: int = 0
    lost: int = 0
    duplicated: int = 0
    after_cancellation: int = 0
    unexpected_tracebacks: int = 0
    problems: list[str] = field(default_factory=list)

    def clean(self) -> bool:
        return self.after_cancellation == 0 and self.unexpected_tracebacks == 0


def _event_ids(charters: list[Any]) -> list[str]:
    from crew.dynamo import crew_event_id

    return [crew_event_id(c.code) for c in charters]


def targets_done(charters: list[Any]) -> float:
    from bookings.models import CalendarEntry
    from crew.models import CrewEvent
    from guestpages.models import GuestPage
    from jada.models import SyncState

    ids = [c.pk for c in charters]
    done = sum(
        model._default_manager.filter(charter_id__in=ids, sync_state=SyncState.SYNCED).count()
        for model in (GuestPage, CalendarEntry, CrewEvent)
    )
    return done / (3 * len(ids))


def converged(charters: list[Any], sink: Any) -> bool:
    """Every target synced, no notification left to send, every sent one in the sink."""
    from crew.models import CrewNotification, NotificationState

    if targets_done(charters) < 1:
        return False
    rows = CrewNotification.objects.filter(event_id__in=_event_ids(charters))
    if rows.filter(state__in=[NotificationState.PENDING, NotificationState.FAILED]).exists():
        return False
    arrived = sink.by_key()
    return all(arrived[key] for key in _sent_keys(rows))


def _sent_keys(rows: Any) -> list[tuple[str, str, str, str]]:
    from crew.models import NotificationState

    sent = rows.filter(state=NotificationState.SENT).select_related("crew_member")
    return [(r.crew_member.email.lower(), r.charter_ref, str(r.version), r.kind) for r in sent]


def count_everything(*, charters: list[Any], sink: Any, logs: list[str], edited: int = 0) -> DrillCounts:
    from bookings.models import CharterStatus

    counts = DrillCounts(charters=len(charters), edited=edited)
    for charter in charters:
        charter.refresh_from_db()
    counts.cancelled = sum(c.status == CharterStatus.CANCELLED for c in charters)
    counts.targets_expected = 3 * len(charters)
    for charter in charters:
        counts.targets_synced += _targets_ok(charter, counts.problems)
    counts.lost += counts.targets_expected - counts.targets_synced
    _mail_count(charters, sink, counts)
    _guest_mail_count(charters, sink, counts)
    counts.unexpected_tracebacks = sum(_unexpected_tracebacks(log, counts.problems) for log in logs)
    return counts


def _targets_ok(charter: Any, problems: list[str]) -> int:
    from bookings.models import CalendarEntry, CharterStatus, InternalCalendarEvent
    from crew.dynamo import crew_event_item, crew_item_problems
    from crew.models import CrewEvent
    from guestpages.models import GuestPage
    from jada.aws import aws_client
    from jada.models import SyncState

    cancelled = charter.status == CharterStatus.CANCELLED
    ok = 0
    page = GuestPage.objects.filter(charter=charter).first()
    s3 = aws_client("s3", region=charter.brand.region)
    others = type(charter.brand).objects.exclude(pk=charter.brand_id)
    stray = [
        o["Key"]
        for b in others
        for o in s3.list_objects_v2(Bucket=b.bucket).get("Contents", [])
        if charter.code.lower() in o["Key"].lower()
    ]
    # A charter cancelled before its first push was never published anywhere: nothing to withdraw.
    never_published = cancelled and page is not None and not page.object_key
    try:
        key = page.object_key if page else ""
        body = s3.get_object(Bucket=charter.brand.bucket, Key=key)["Body"].read().decode() if key else ""
    except Exception as exc:
        body = ""
        problems.append(f"{charter.code}: no page ({exc})")
    withdrawn_ok = never_published or (bool(body) and (WITHDRAWN_MARKER in body) == cancelled)
    if page and page.sync_state == SyncState.SYNCED and withdrawn_ok and not stray:
        ok += 1
    else:
        problems.append(f"{charter.code}: guest page wrong (stray {stray}, withdrawn {WITHDRAWN_MARKER in body})")
    entries = InternalCalendarEvent.objects.filter(charter_id=charter.code).count()
    entry = CalendarEntry.objects.filter(charter=charter).first()
    if entry and entry.sync_state == SyncState.SYNCED and entries == (0 if cancelled else 1):
        ok += 1
    else:
        problems.append(f"{charter.code}: {entries} calendar entries (cancelled {cancelled})")
    event = CrewEvent.objects.filter(charter=charter).first()
    item = crew_event_item(_event_ids([charter])[0]) or {}
    crew = sorted(e.lower() for e in charter.crew_assignments.values_list("crew_member__email", flat=True))
    if cancelled and not item:  # cancelled before SCC ever heard of it: nothing to cancel there
        same_time = same_crew = status_ok = True
    else:
        same_time = bool(item) and datetime.fromisoformat(str(item.get("starts_at"))) == charter.starts_at
        same_crew = cancelled or sorted(str(e["email"]).lower() for e in item.get("crew", [])) == crew
        status_ok = (item.get("status") == "cancelled") == cancelled and not crew_item_problems(item)
    if event and event.sync_state == SyncState.SYNCED and status_ok and same_time and same_crew:
        ok += 1
    else:
        problems.append(f"{charter.code}: crew event wrong ({item.get('status')}, time {same_time}, crew {same_crew})")
    return ok


def _guest_mail_count(charters: list[Any], sink: Any, counts: DrillCounts) -> None:
    """Guest messages per (charter, kind, version): each row the ledger says was sent arrived
    exactly once (its Message-ID names the row), and nothing arrived that no row explains."""
    from guestpages.message_models import GuestMessage, GuestMessageState

    arrived = sink.guest_message_ids()
    counts.guest_emails = sum(arrived.values())
    rows = GuestMessage.objects.filter(charter__in=charters).exclude(message_id="")
    known = set()
    for row in rows:
        key = f"gm{row.pk}v{row.version}"
        known.add(key)
        if row.state == GuestMessageState.SENT:
            counts.guest_keys += 1
            if arrived[key] == 0:
                counts.lost += 1
                counts.problems.append(f"guest message sent per the ledger, none arrived: {row.charter_id} {row.kind}")
    for key, n in arrived.items():
        if n > 1 or key not in known:
            counts.duplicated += n - 1 if key in known else n
            counts.problems.append(f"{n} guest e-mails for ledger row {key}")


def _mail_count(charters: list[Any], sink: Any, counts: DrillCounts) -> None:
    from bookings.models import CharterStatus
    from crew.models import CrewNotification, NotificationState

    rows = CrewNotification.objects.filter(event_id__in=_event_ids(charters)).select_related("crew_member")
    arrived = sink.by_key()
    counts.emails, counts.email_keys = sum(arrived.values()), len(arrived)
    cancelled = {c.code for c in charters if c.status == CharterStatus.CANCELLED}
    # A member taken off a charter before being told needs no e-mail about it (superseded).
    on_crew = {
        (c.code, email.lower())
        for c in charters
        for email in c.crew_assignments.values_list("crew_member__email", flat=True)
    }
    known = set()
    for row in rows:
        key = (row.crew_member.email.lower(), row.charter_ref, str(row.version), row.kind)
        known.add(key)
        if row.state == NotificationState.SENT:
            if arrived[key] == 0:
                counts.lost += 1
                counts.problems.append(f"ledger says sent, sink has none: {key}")
        elif row.state == NotificationState.SUPERSEDED and (
            row.charter_ref in cancelled or (row.charter_ref, row.crew_member.email.lower()) not in on_crew
        ):
            if arrived[key]:
                counts.duplicated += arrived[key]
                counts.problems.append(f"superseded but delivered: {key}")
        else:
            counts.lost += 1
            counts.problems.append(f"not delivered ({row.state}: {row.last_error[:120]}): {key}")
    for key, n in arrived.items():
        if n > 1:
            counts.duplicated += n - 1
            counts.problems.append(f"{n} e-mails for {key}")
        if key not in known:
            counts.duplicated += n
            counts.problems.append(f"an e-mail no outbox row explains: {key}")
    # Independent of the ledger: everyone on a live charter heard of it; nothing after a cancellation.
    heard = {(m.to, m.headers.get("x-jada-charter", "")) for m in sink.messages}
    for charter in charters:
        if charter.code in cancelled:
            continue
        for email in charter.crew_assignments.values_list("crew_member__email", flat=True):
            if (email.lower(), charter.code) not in heard:
                counts.lost += 1
                counts.problems.append(f"{email} never heard of live charter {charter.code}")
    told_cancelled: set[tuple[str, str]] = set()
    for message in sorted(sink.messages, key=lambda m: m.order):
        who = (message.to, message.headers.get("x-jada-charter", ""))
        if who in told_cancelled and message.headers.get("x-jada-kind") not in ("cancelled", "removed"):
            counts.after_cancellation += 1
            counts.problems.append(f"e-mail after the cancellation notice: {who}")
        if message.headers.get("x-jada-kind") == "cancelled":
            told_cancelled.add(who)


def _unexpected_tracebacks(log: str, problems: list[str]) -> int:
    """Log records with a traceback whose error the drill did not inject.

    A record runs from one timestamped line to the next, so chained tracebacks ("During handling
    of the above exception…") and the final error line are judged together.
    """
    unexpected = 0
    record: list[str] = []
    for line in [*log.splitlines(), "[0000-00-00 00:00 end"]:
        if TIMESTAMPED.match(line) or line.startswith("[20"):
            text = "\n".join(record)
            if TRACEBACK in text and not any(marker in text for marker in INJECTED_MARKERS):
                unexpected += 1
                problems.append("unexpected traceback:\n" + text[-2500:])
            record = []
        record.append(line)
    return unexpected
