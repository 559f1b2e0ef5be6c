"""Task retry policy, re-drive and the drift report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from bookings import flow, tasks
from bookings.models import CalendarEntry
from bookings.reconcile import targets_redrive
from bookings.tests.factories import CharterFactory
from crew.models import CrewEvent
from guestpages.models import GuestPage
from jada.celery import app
from jada.models import SyncState

pytestmark = pytest.mark.django_db
TARGET_TASKS = [tasks.push_guest_page, tasks.push_calendar_entry, tasks.push_crew_event]


@pytest.mark.parametrize("task", TARGET_TASKS, ids=lambda t: t.name)
def test_target_tasks_retry_only_transient_errors_with_jittered_backoff(task: Any) -> None:
    assert task.autoretry_for == (tasks.TargetRetry,)
    assert task.acks_late and task.reject_on_worker_lost
    assert task.retry_backoff and task.retry_jitter
    assert task.max_retries == 8
    assert task.retry_backoff_max < settings.CELERY_VISIBILITY_TIMEOUT
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == settings.CELERY_VISIBILITY_TIMEOUT
    assert hasattr(task, "delay_on_commit")


def test_a_brands_re_publish_has_minutes_not_the_default_minute() -> None:
    from bookings.tasks import push_brand_pages

    soft, hard = push_brand_pages.soft_time_limit, push_brand_pages.time_limit
    assert soft is not None and hard is not None
    # 5,000 pages at ~30 ms per PutObject (real S3, one stream) is 150 s.
    assert soft >= 5_000 * 0.03 * 4 > settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert soft < hard < settings.CELERY_VISIBILITY_TIMEOUT


def test_beat_schedule_names_registered_tasks() -> None:
    app.loader.import_default_modules()
    for name in ("redrive", "drift-report"):
        assert settings.CELERY_BEAT_SCHEDULE[name]["task"] in app.tasks
    assert settings.CELERY_TASK_SERIALIZER == "json" and settings.CELERY_ACCEPT_CONTENT == ["json"]


def _entry() -> CalendarEntry:
    charter = CharterFactory()
    flow.charter_confirm(charter=charter, actor="test")
    return CalendarEntry.objects.get(charter=charter)


@override_settings(CALENDAR_API_URL="http://127.0.0.1:9/api/calendar")
def test_unreachable_calendar_is_retried_then_failed() -> None:
    entry = _entry()
    result = tasks.push_calendar_entry.apply(args=[entry.pk])
    assert result.get() == "failed"
    entry.refresh_from_db()
    assert entry.sync_state == SyncState.FAILED
    assert entry.attempts == 1 + tasks.push_calendar_entry.max_retries
    assert entry.last_error == "The calendar could not be reached (ConnectError)."


@override_settings(DASHBOARD_TOKEN=None)
def test_configuration_error_is_not_retried() -> None:
    entry = _entry()
    assert tasks.push_calendar_entry.apply(args=[entry.pk]).get() == "failed"
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
        assert targets_redrive() == {"guest_page": 0, "calendar_entry": 3, "crew_event": 0}
    enqueued = sorted(cb.args[0] for cb in callbacks)
    assert enqueued == sorted([stale_pending.pk, stuck_syncing.pk, stale_failed.pk])
    assert {cb.func.__self__.name for cb in callbacks} == {"bookings.tasks.push_calendar_entry"}
    with django_capture_on_commit_callbacks() as callbacks:
        assert sum(targets_redrive().values()) == 0  # touched: the next run waits a full interval
