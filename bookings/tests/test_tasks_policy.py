"""Task retry policy, re-drive and the drift report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from bookings import flow, tasks
from bookings.calendar_client import CalendarClient
from bookings.models import CalendarEntry, CharterStatus, DriftReport, InternalCalendarEvent
from bookings.services import drift_report_create, targets_redrive
from bookings.tests.factories import BrandFactory, CharterFactory
from crew.dynamo import crew_events_table_ensure
from crew.models import CrewEvent
from guestpages.models import GuestPage
from jada.aws import aws_client
from jada.celery import app
from jada.models import SyncState

pytestmark = pytest.mark.django_db
TARGET_TASKS = [tasks.guest_page_sync, tasks.calendar_entry_sync, tasks.crew_event_sync]


@pytest.mark.parametrize("task", TARGET_TASKS, ids=lambda t: t.name)
def test_target_tasks_retry_only_transient_errors_with_jittered_backoff(task: Any) -> None:
    assert task.autoretry_for == (tasks.TargetRetry,)
    assert task.acks_late and task.reject_on_worker_lost
    assert task.retry_backoff and task.retry_jitter
    assert task.max_retries == 8
    assert task.retry_backoff_max < settings.CELERY_VISIBILITY_TIMEOUT
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == settings.CELERY_VISIBILITY_TIMEOUT
    assert hasattr(task, "delay_on_commit")


def test_beat_schedule_names_registered_tasks() -> None:
    app.loader.import_default_modules()
    for name in ("targets-redrive", "drift-report"):
        assert settings.CELERY_BEAT_SCHEDULE[name]["task"] in app.tasks
    assert settings.CELERY_TASK_SERIALIZER == "json" and settings.CELERY_ACCEPT_CONTENT == ["json"]


def _entry() -> CalendarEntry:
    charter = CharterFactory()
    flow.charter_confirm(charter=charter, actor="test")
    return CalendarEntry.objects.get(charter=charter)


@override_settings(CALENDAR_API_URL="http://127.0.0.1:9/api/calendar")
def test_unreachable_calendar_is_retried_then_failed() -> None:
    entry = _entry()
    result = tasks.calendar_entry_sync.apply(args=[entry.pk])
    assert result.get() == "failed"
    entry.refresh_from_db()
    assert entry.sync_state == SyncState.FAILED
    assert entry.attempts == 1 + tasks.calendar_entry_sync.max_retries
    assert entry.last_error == "The calendar could not be reached (ConnectError)."


@override_settings(DASHBOARD_TOKEN=None)
def test_configuration_error_is_not_retried() -> None:
    entry = _entry()
    assert tasks.calendar_entry_sync.apply(args=[entry.pk]).get() == "failed"
    entry.refresh_from_db()
    assert entry.attempts == 1
    assert "DASHBOARD_TOKEN is not set" in entry.last_error


def _age(model: Any, pk: int, minutes: int, **fields: Any) -> None:
    model.objects.filter(pk=pk).update(updated_at=timezone.now() - timedelta(minutes=minutes), **fields)


def test_redrive_enqueues_only_stale_unfinished_targets(django_capture_on_commit_callbacks: Any) -> None:
    stale_pending = _entry()
    _age(CalendarEntry, stale_pending.pk, 30)
    stuck_syncing = _entry()
    _age(CalendarEntry, stuck_syncing.pk, 30, sync_state=SyncState.SYNCING)
    stale_failed = _entry()
    _age(CalendarEntry, stale_failed.pk, 30, sync_state=SyncState.FAILED, attempts=3)
    hopeless = _entry()
    _age(CalendarEntry, hopeless.pk, 30, sync_state=SyncState.FAILED, attempts=1000)
    fresh = _entry()
    _age(CalendarEntry, fresh.pk, 1)
    synced = _entry()
    _age(CalendarEntry, synced.pk, 30, sync_state=SyncState.SYNCED)
    GuestPage.objects.update(updated_at=timezone.now())
    CrewEvent.objects.update(updated_at=timezone.now())

    with django_capture_on_commit_callbacks() as callbacks:
        assert targets_redrive() == 3
    enqueued = sorted(cb.args[0] for cb in callbacks)
    assert enqueued == sorted([stale_pending.pk, stuck_syncing.pk, stale_failed.pk])
    assert {cb.func.__self__.name for cb in callbacks} == {"bookings.tasks.calendar_entry_sync"}
    with django_capture_on_commit_callbacks() as callbacks:
        assert targets_redrive() == 0  # touched: the next run waits a full interval


def test_drift_report_finds_each_kind_of_drift(wsgi_transport: httpx.WSGITransport) -> None:
    calendar = CalendarClient("http://testserver/api/calendar", transport=wsgi_transport, sleep=lambda s: None)
    brand = BrandFactory()
    s3 = aws_client("s3", region=brand.region)
    s3.create_bucket(Bucket=brand.bucket)
    cancelled = CharterFactory(brand=brand, status=CharterStatus.CANCELLED)
    GuestPage.objects.create(charter=cancelled, bucket=brand.bucket, object_key="jada-guest-x.html")
    s3.put_object(Bucket=brand.bucket, Key="jada-guest-x.html", Body=b"<html>")
    withdrawn = CharterFactory(brand=brand, status=CharterStatus.CANCELLED)
    GuestPage.objects.create(charter=withdrawn, bucket=brand.bucket, object_key="jada-guest-gone.html")
    withdrawn_too = CharterFactory(brand=brand, status=CharterStatus.CANCELLED)
    GuestPage.objects.create(charter=withdrawn_too, bucket=brand.bucket, object_key="jada-guest-w.html", withdrawn=True)
    s3.put_object(Bucket=brand.bucket, Key="jada-guest-w.html", Body=b'<section id="cancelled">cancelled</section>')
    crew_events_table_ensure()
    ddb = aws_client("dynamodb")
    for ref, status in (("GHOST1", "confirmed"), (cancelled.code, "confirmed"), (withdrawn.code, "cancelled")):
        item = {"pk": {"S": f"EVENT#{ref}"}, "sk": {"S": "EVENT"}, "charter_ref": {"S": ref}, "status": {"S": status}}
        ddb.put_item(TableName=settings.CREW_EVENTS_TABLE, Item=item)
        link = {**item, "sk": {"S": "CREW#a@example.com"}}  # a crew member's copy is not another event
        ddb.put_item(TableName=settings.CREW_EVENTS_TABLE, Item=link)
    today = timezone.localdate()
    InternalCalendarEvent.objects.create(charter_id="NOBODY", date=today)
    InternalCalendarEvent.objects.create(charter_id=cancelled.code, date=today)

    report = drift_report_create(calendar=calendar)
    assert DriftReport.objects.get() == report
    assert report.finding_count == len(report.findings) == 5
    assert {(f["kind"], f["charter"]) for f in report.findings} == {
        ("cancelled_charter_live_page", cancelled.code),
        ("cancelled_charter_live_crew_event", cancelled.code),
        ("crew_event_without_charter", "GHOST1"),
        ("calendar_entry_without_charter", "NOBODY"),
        ("calendar_entry_without_charter", cancelled.code),
    }
