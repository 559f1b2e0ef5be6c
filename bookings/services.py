"""Keeping the targets honest after the flow ran: re-drive what stalled, report what drifted.

Both run from Celery beat. Re-drive only re-enqueues (the tasks are idempotent); the drift
report only records, because "fixing" drift automatically could undo a change staff made on
purpose in a target we do not own.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings import flow
from bookings.calendar_client import CalendarClient
from bookings.models import Charter, CharterStatus, DriftReport
from crew.models import CrewEvent
from guestpages.models import GuestPage
from jada.aws import aws_client
from jada.errors import JadaError
from jada.models import SyncState

logger = logging.getLogger(__name__)

# Longer than a task's time limit plus its longest back-off, so a target that is merely waiting
# for its own retry is not re-driven on top of it.
REDRIVE_AFTER = timedelta(minutes=10)
REDRIVE_MAX_ATTEMPTS = 40
REDRIVE_BATCH = 500
CALENDAR_WINDOW = (timedelta(days=60), timedelta(days=365))
# The withdrawn page (templates/guestpages/cancelled.html) carries this; a live page does not.
WITHDRAWN_MARKER = 'id="cancelled"'
WITHDRAWN_MARKER_WITHIN = 64 * 1024


def targets_redrive(*, older_than: timedelta = REDRIVE_AFTER) -> int:
    """Re-enqueue every target pending, syncing (worker died) or failed for longer than ``older_than``."""
    now = timezone.now()
    stale = Q(sync_state__in=[SyncState.PENDING, SyncState.SYNCING]) | Q(
        sync_state=SyncState.FAILED, attempts__lt=REDRIVE_MAX_ATTEMPTS
    )
    count = 0
    for kind, model in flow.TARGET_KINDS.items():
        manager = model._default_manager
        with transaction.atomic():
            ids = list(
                manager.select_for_update(skip_locked=True)
                .filter(stale, updated_at__lt=now - older_than)
                .values_list("pk", flat=True)[:REDRIVE_BATCH]
            )
            # Touching updated_at makes the next beat run wait a full interval before trying again.
            manager.filter(pk__in=ids).update(updated_at=now)
            for pk in ids:
                flow._row_enqueue(kind, pk)
        count += len(ids)
    if count:
        logger.info("re-drove %d stale targets", count)
    return count


def drift_report_create(*, calendar: CalendarClient | None = None) -> DriftReport:
    """Record every disagreement between the charters and their targets (see DriftReport)."""
    items, findings = _crew_event_items_or_finding()
    findings += _cancelled_with_live_page()
    findings += _cancelled_with_live_crew_event(items)
    findings += _crew_events_without_charter(items)
    findings += _calendar_entries_without_charter(calendar)
    return DriftReport.objects.create(findings=findings, finding_count=len(findings))


def _finding(kind: str, charter: str, target: str, detail: str) -> dict[str, str]:
    return {"kind": kind, "charter": charter, "target": target, "detail": detail}


def _cancelled_with_live_page() -> list[dict[str, str]]:
    """A cancelled charter whose bucket still serves its full page (not the "cancelled" page).

    Withdrawing replaces the page with a short notice (``id="cancelled"``) rather than deleting
    it, so the check reads the object itself: the database saying "withdrawn" is not evidence.
    """
    found = []
    pages = GuestPage.objects.select_related("charter__brand").filter(charter__status=CharterStatus.CANCELLED)
    for page in pages.exclude(object_key=""):
        brand, bucket = page.charter.brand, page.bucket or page.charter.brand.bucket
        try:
            body = aws_client("s3", region=brand.region).get_object(Bucket=bucket, Key=page.object_key)["Body"]
            html = body.read(WITHDRAWN_MARKER_WITHIN).decode("utf-8", "replace")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                continue
            found.append(_finding("unchecked", page.charter.code, "guest_page", f"S3 refused the check: {exc}"))
            continue
        except BotoCoreError as exc:
            found.append(_finding("unchecked", page.charter.code, "guest_page", f"S3 unreachable: {exc}"))
            continue
        if WITHDRAWN_MARKER not in html:
            detail = f"s3://{bucket}/{page.object_key} still shows the charter"
            found.append(_finding("cancelled_charter_live_page", page.charter.code, "guest_page", detail))
    return found


def _crew_event_items() -> list[dict[str, Any]]:
    """Every crew-facing item in DynamoDB, reduced to charter_ref and status."""
    items = []
    paginator = aws_client("dynamodb").get_paginator("scan")
    pages = paginator.paginate(
        TableName=settings.CREW_EVENTS_TABLE,
        # One event item per event (sk=EVENT); its crew-link copies are not separate events.
        FilterExpression="#k = :event",
        ProjectionExpression="#c, #s",
        ExpressionAttributeNames={"#c": "charter_ref", "#s": "status", "#k": "sk"},
        ExpressionAttributeValues={":event": {"S": "EVENT"}},
    )
    for page in pages:
        for item in page.get("Items", []):
            ref = item.get("charter_ref", {}).get("S")
            if ref:
                items.append({"charter_ref": ref.upper(), "status": item.get("status", {}).get("S", "")})
    return items


def _crew_event_items_or_finding() -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    try:
        return _crew_event_items(), []
    except (ClientError, BotoCoreError) as exc:
        return [], [_finding("unchecked", "", "crew_event", f"DynamoDB could not be scanned: {exc}")]


def _cancelled_with_live_crew_event(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A cancelled charter whose crew event is not cancelled in SCC (crew would still show up)."""
    cancelled = set(Charter.objects.filter(status=CharterStatus.CANCELLED).values_list("code", flat=True))
    live = {i["charter_ref"] for i in items if i["status"] != "cancelled"}
    found = [
        _finding("cancelled_charter_live_crew_event", code, "crew_event", "the crew event is not cancelled")
        for code in sorted(cancelled & live)
    ]
    unreached = CrewEvent.objects.filter(charter__status=CharterStatus.CANCELLED).exclude(sync_state=SyncState.SYNCED)
    for event in unreached.select_related("charter").exclude(charter__code__in=live):
        found.append(
            _finding(
                "cancelled_charter_live_crew_event",
                event.charter.code,
                "crew_event",
                f"the cancellation has not reached SCC yet ({event.sync_state})",
            )
        )
    return found


def _crew_events_without_charter(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    codes = set(Charter.objects.values_list("code", flat=True))
    return [
        _finding("crew_event_without_charter", i["charter_ref"], "crew_event", "no charter has this code")
        for i in items
        if i["charter_ref"] not in codes
    ]


def _calendar_entries_without_charter(calendar: CalendarClient | None) -> list[dict[str, str]]:
    today = timezone.localdate()
    try:
        client = calendar or CalendarClient()
        entries = client.entries_between(today - CALENDAR_WINDOW[0], today + CALENDAR_WINDOW[1])
    except JadaError as exc:
        return [_finding("unchecked", "", "calendar_entry", f"the calendar could not be read: {exc.message}")]
    statuses = dict(Charter.objects.values_list("code", "status"))
    found = []
    for entry in entries:
        code = str(entry.get("charter_id", "")).upper()
        if code not in statuses:
            found.append(_finding("calendar_entry_without_charter", code, "calendar_entry", "no charter has this code"))
        elif statuses[code] == CharterStatus.CANCELLED:
            found.append(_finding("calendar_entry_without_charter", code, "calendar_entry", "the charter is cancelled"))
    return found
