"""Per-target sync: the state machine, against the real calendar API over an in-process transport."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from bookings import flow, targets
from bookings.calendar_client import CalendarClient
from bookings.models import CalendarEntry, Charter, CharterStatus, InternalCalendarEvent
from bookings.tests.factories import CharterFactory
from jada.errors import RemoteError
from jada.models import SyncState

pytestmark = pytest.mark.django_db
BASE = "http://testserver/api/calendar"


@pytest.fixture
def calendar(wsgi_transport: httpx.WSGITransport) -> CalendarClient:
    return CalendarClient(BASE, transport=wsgi_transport, sleep=lambda s: None)


def _confirmed_entry() -> CalendarEntry:
    charter = CharterFactory()
    flow.charter_confirm(charter=charter, actor="test")
    return CalendarEntry.objects.get(charter=charter)


def test_sync_creates_the_calendar_entry_and_records_synced(calendar: CalendarClient) -> None:
    entry = _confirmed_entry()
    assert targets.target_push(kind="calendar_entry", row_id=entry.pk, client=calendar) == SyncState.SYNCED
    entry.refresh_from_db()
    assert (entry.sync_state, entry.attempts, entry.last_error) == (SyncState.SYNCED, 1, "")
    assert entry.remote_id == entry.charter.code
    assert entry.last_synced_at is not None
    stored = InternalCalendarEvent.objects.get()
    assert stored.charter_id == entry.charter.code
    assert stored.starts_at == entry.charter.starts_at
    assert stored.status == CharterStatus.CONFIRMED


def test_a_second_run_of_a_synced_target_does_nothing(calendar: CalendarClient) -> None:
    entry = _confirmed_entry()
    targets.target_push(kind="calendar_entry", row_id=entry.pk, client=calendar)
    InternalCalendarEvent.objects.all().delete()  # if the duplicate pushed, the entry would come back
    assert targets.target_push(kind="calendar_entry", row_id=entry.pk, client=calendar) == "skipped"
    assert not InternalCalendarEvent.objects.exists()
    assert CalendarEntry.objects.get().attempts == 1


def test_a_run_left_syncing_by_a_dead_worker_is_claimed_again(calendar: CalendarClient) -> None:
    entry = _confirmed_entry()
    CalendarEntry.objects.update(sync_state=SyncState.SYNCING, attempts=1)
    assert targets.target_push(kind="calendar_entry", row_id=entry.pk, client=calendar) == SyncState.SYNCED
    assert CalendarEntry.objects.get().attempts == 2
    assert InternalCalendarEvent.objects.count() == 1


def test_cancel_removes_the_entry_and_twice_is_once(calendar: CalendarClient) -> None:
    entry = _confirmed_entry()
    targets.target_push(kind="calendar_entry", row_id=entry.pk, client=calendar)
    flow.charter_cancel(charter=entry.charter, actor="test")
    assert targets.target_push(kind="calendar_entry", row_id=entry.pk, client=calendar) == SyncState.SYNCED
    assert not InternalCalendarEvent.objects.exists()
    entry.refresh_from_db()
    assert (entry.sync_state, entry.remote_id) == (SyncState.SYNCED, "")
    flow.target_retry(charter=entry.charter, kind="calendar_entry", actor="test")
    assert targets.target_push(kind="calendar_entry", row_id=entry.pk, client=calendar) == SyncState.SYNCED


def test_reschedule_moves_the_entry(calendar: CalendarClient) -> None:
    entry = _confirmed_entry()
    targets.target_push(kind="calendar_entry", row_id=entry.pk, client=calendar)
    new_start = entry.charter.starts_at + timedelta(days=10)
    flow.charter_reschedule(
        charter=entry.charter, starts_at=new_start, ends_at=new_start + timedelta(hours=2), actor="t"
    )
    targets.target_push(kind="calendar_entry", row_id=entry.pk, client=calendar)
    stored = InternalCalendarEvent.objects.get()
    assert stored.starts_at == new_start
    assert stored.date == new_start.astimezone(entry.charter.brand.zone).date()


def test_charter_changed_mid_push_is_pushed_again(wsgi_transport: httpx.WSGITransport) -> None:
    """A slow push must not leave the older version live after staff moved the charter."""
    entry = _confirmed_entry()
    moved_to = entry.charter.starts_at + timedelta(days=3)
    calls: list[str] = []

    class StaffMovesCharterDuringFirstPush(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = wsgi_transport.handle_request(request)
            if not calls:
                Charter.objects.filter(pk=entry.charter_id).update(
                    starts_at=moved_to, ends_at=moved_to + timedelta(hours=3), updated_at=moved_to
                )
            calls.append(request.method)
            return response

    client = CalendarClient(BASE, transport=StaffMovesCharterDuringFirstPush(), sleep=lambda s: None)
    targets.target_push(kind="calendar_entry", row_id=entry.pk, client=client)
    assert calls == ["POST", "POST"]
    assert InternalCalendarEvent.objects.get().starts_at == moved_to


def test_transient_failure_is_recorded_and_raised_for_retry() -> None:
    entry = _confirmed_entry()
    down = httpx.MockTransport(lambda request: httpx.Response(502, json={"error": "bad gateway"}))
    client = CalendarClient(BASE, transport=down, sleep=lambda s: None)
    with pytest.raises(RemoteError) as caught:
        targets.target_push(kind="calendar_entry", row_id=entry.pk, final_attempt=False, client=client)
    assert caught.value.transient
    entry.refresh_from_db()
    assert entry.sync_state == SyncState.FAILED
    assert entry.attempts == 1
    assert entry.last_error == "The calendar answered 502: bad gateway. (retrying automatically)"


def test_permanent_failure_names_the_cause(wsgi_transport: httpx.WSGITransport) -> None:
    entry = _confirmed_entry()
    client = CalendarClient(BASE, token="not-the-token", transport=wsgi_transport, sleep=lambda s: None)
    with pytest.raises(RemoteError) as caught:
        targets.target_push(kind="calendar_entry", row_id=entry.pk, final_attempt=False, client=client)
    assert not caught.value.transient
    entry.refresh_from_db()
    assert entry.sync_state == SyncState.FAILED
    assert entry.last_error == "The calendar refused POST (401): Missing or wrong X-Dashboard-Token."


def test_new_round_during_a_run_is_not_overwritten(wsgi_transport: httpx.WSGITransport) -> None:
    """Staff press retry while a run is in flight: the run's end must leave the new round pending."""
    entry = _confirmed_entry()

    class RetryPressedMidRun(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            CalendarEntry.objects.filter(pk=entry.pk).update(sync_state=SyncState.PENDING)
            return wsgi_transport.handle_request(request)

    client = CalendarClient(BASE, transport=RetryPressedMidRun(), sleep=lambda s: None)
    targets.target_push(kind="calendar_entry", row_id=entry.pk, client=client)
    assert CalendarEntry.objects.get().sync_state == SyncState.PENDING


def test_missing_row_is_skipped(calendar: CalendarClient) -> None:
    assert targets.target_push(kind="calendar_entry", row_id=987654, client=calendar) == "skipped"


def test_bug_in_a_push_is_failed_and_logged(caplog: Any) -> None:
    entry = _confirmed_entry()

    class Broken(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            raise ZeroDivisionError("bug")

    client = CalendarClient(BASE, transport=Broken(), sleep=lambda s: None)
    with pytest.raises(ZeroDivisionError):
        targets.target_push(kind="calendar_entry", row_id=entry.pk, client=client)
    entry.refresh_from_db()
    assert entry.sync_state == SyncState.FAILED
    assert entry.last_error == "Internal error (ZeroDivisionError); it has been logged."
    assert "failed with a bug" in caplog.text


def test_time_limit_mid_push_is_transient() -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    entry = _confirmed_entry()

    class Slow(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            raise SoftTimeLimitExceeded()

    client = CalendarClient(BASE, transport=Slow(), sleep=lambda s: None)
    with pytest.raises(RemoteError) as caught:
        targets.target_push(kind="calendar_entry", row_id=entry.pk, final_attempt=False, client=client)
    assert caught.value.transient
    entry.refresh_from_db()
    assert entry.last_error == "The push took longer than the task's time limit. (retrying automatically)"


def test_a_push_claims_reads_and_records_its_row_in_three_statements(calendar: CalendarClient) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entry = _confirmed_entry()
    with CaptureQueriesContext(connection) as queries:
        assert targets.target_push(kind="calendar_entry", row_id=entry.pk, client=calendar) == SyncState.SYNCED
    own = [q["sql"] for q in queries.captured_queries if '"bookings_calendarentry"' in q["sql"]]
    # claim (one conditional UPDATE), read it with its charter, record synced (one UPDATE): was a
    # transaction of SELECT … FOR UPDATE + UPDATE, then another of two UPDATEs.
    assert [s.split()[0] for s in own] == ["UPDATE", "SELECT", "UPDATE"], "\n".join(s[:120] for s in own)
    assert not any("FOR UPDATE" in s for s in own)
