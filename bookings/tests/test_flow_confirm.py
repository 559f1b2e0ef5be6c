"""The staff-facing flow steps: one transaction, one audit entry, three tasks enqueued after commit."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from bookings import flow, payloads
from bookings.models import CalendarEntry, Charter, CharterStatus
from bookings.tests.factories import CharterFactory
from crew.models import CrewEvent
from crew.tests.factories import CrewAssignmentFactory, CrewMemberFactory
from guestpages.models import GuestMessage, GuestPage
from jada.models import AuditEntry, SyncState

pytestmark = pytest.mark.django_db


def _enqueued(callbacks: list[Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """(task name, args) of every ``delay_on_commit`` the transaction registered."""
    return [(cb.func.__self__.name, cb.args) for cb in callbacks]


def _target_tasks(callbacks: list[Any]) -> list[tuple[str, tuple[Any, ...]]]:
    return [task for task in _enqueued(callbacks) if task[0].startswith("bookings.tasks.")]


@pytest.fixture
def staff() -> Any:
    return get_user_model().objects.create_user("clerk", is_staff=True)


def test_confirm_marks_three_targets_pending_audits_once_and_enqueues_after_commit(
    django_capture_on_commit_callbacks: Any, staff: Any
) -> None:
    charter = CharterFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        flow.charter_confirm(charter=charter, actor=staff)
    charter.refresh_from_db()
    assert charter.status == CharterStatus.CONFIRMED
    page, entry, event = (
        GuestPage.objects.get(charter=charter),
        CalendarEntry.objects.get(charter=charter),
        CrewEvent.objects.get(charter=charter),
    )
    assert {page.sync_state, entry.sync_state, event.sync_state} == {SyncState.PENDING}
    confirmation = GuestMessage.objects.get(charter=charter, kind="confirmation")  # the guest is told at once
    assert _enqueued(callbacks) == [
        ("bookings.tasks.push_guest_page", (page.pk,)),
        ("bookings.tasks.push_calendar_entry", (entry.pk,)),
        ("bookings.tasks.push_crew_event", (event.pk,)),
        ("guestpages.tasks.guest_message_send", (confirmation.pk,)),
    ]
    json.dumps([cb.args for cb in callbacks])  # task arguments are JSON, nothing else
    audit = AuditEntry.objects.get()
    assert (audit.action, audit.actor, audit.object_id) == ("charter.confirm", staff, str(charter.pk))
    assert audit.data == {"previous_status": "inquiry"}


def test_confirming_again_starts_a_fresh_round(django_capture_on_commit_callbacks: Any) -> None:
    charter = CharterFactory()
    flow.charter_confirm(charter=charter, actor="test")
    CalendarEntry.objects.update(sync_state=SyncState.FAILED, attempts=7, last_error="boom")
    with django_capture_on_commit_callbacks() as callbacks:
        flow.charter_confirm(charter=charter, actor="booking_flow")
    entry = CalendarEntry.objects.get()
    assert (entry.sync_state, entry.attempts, entry.last_error) == (SyncState.PENDING, 0, "")
    assert len(callbacks) == 3
    assert CalendarEntry.objects.count() == 1
    assert list(AuditEntry.objects.values_list("actor_label", flat=True)) == ["booking_flow", "test"]


def test_refused_step_changes_nothing_and_enqueues_nothing(django_capture_on_commit_callbacks: Any) -> None:
    charter = CharterFactory(status=CharterStatus.COMPLETED)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(flow.FlowError, match="completed"):
        flow.charter_confirm(charter=charter, actor="test")
    assert callbacks == []
    assert not AuditEntry.objects.exists()
    assert not GuestPage.objects.exists()
    assert Charter.objects.get().status == CharterStatus.COMPLETED


def test_cancel_marks_targets_pending_for_withdrawal(django_capture_on_commit_callbacks: Any) -> None:
    charter = CharterFactory(status=CharterStatus.CONFIRMED)
    with django_capture_on_commit_callbacks() as callbacks:
        flow.charter_cancel(charter=charter, actor="test")
    assert Charter.objects.get().status == CharterStatus.CANCELLED
    assert [name for name, _ in _enqueued(callbacks)] == [
        "bookings.tasks.push_guest_page",
        "bookings.tasks.push_calendar_entry",
        "bookings.tasks.push_crew_event",
    ]
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["charter.cancel"]


def test_reschedule_confirmed_moves_every_target_with_one_audit_entry(
    django_capture_on_commit_callbacks: Any,
) -> None:
    charter = CharterFactory(status=CharterStatus.CONFIRMED)
    starts = charter.starts_at + timedelta(days=1)
    with django_capture_on_commit_callbacks() as callbacks:
        flow.charter_reschedule(charter=charter, starts_at=starts, ends_at=starts + timedelta(hours=4), actor="t")
    charter.refresh_from_db()
    assert charter.starts_at == starts
    assert len(_target_tasks(callbacks)) == 3  # plus the guest message the change causes
    audit = AuditEntry.objects.get()
    assert audit.action == "charter.reschedule"
    assert audit.data["after"]["starts_at"] == starts.isoformat()


def test_reschedule_inquiry_moves_it_without_publishing(django_capture_on_commit_callbacks: Any) -> None:
    charter = CharterFactory()
    starts = charter.starts_at + timedelta(days=1)
    with django_capture_on_commit_callbacks() as callbacks:
        flow.charter_reschedule(charter=charter, starts_at=starts, ends_at=starts + timedelta(hours=1), actor="t")
    assert callbacks == []
    assert not CalendarEntry.objects.exists()


@pytest.mark.parametrize(
    ("status", "hours", "message"),
    [
        (CharterStatus.CONFIRMED, -1, "must end after it starts"),
        (CharterStatus.CANCELLED, 2, "confirm it again"),
    ],
)
def test_reschedule_refusals(status: str, hours: int, message: str) -> None:
    charter = CharterFactory(status=status)
    with pytest.raises(flow.FlowError, match=message):
        flow.charter_reschedule(
            charter=charter, starts_at=charter.starts_at, ends_at=charter.starts_at + timedelta(hours=hours), actor="t"
        )


def test_retry_enqueues_only_that_target(django_capture_on_commit_callbacks: Any, staff: Any) -> None:
    charter = CharterFactory(status=CharterStatus.CONFIRMED)
    flow.charter_confirm(charter=charter, actor=staff)
    CrewEvent.objects.update(sync_state=SyncState.FAILED, attempts=9, last_error="SCC answered 503")
    with django_capture_on_commit_callbacks() as callbacks:
        flow.target_retry(charter=charter, kind="crew_event", actor=staff)
    assert _enqueued(callbacks) == [("bookings.tasks.push_crew_event", (CrewEvent.objects.get().pk,))]
    assert CrewEvent.objects.get().sync_state == SyncState.PENDING
    with pytest.raises(flow.FlowError, match="Unknown target"):
        flow.target_retry(charter=charter, kind="invoices", actor=staff)


def test_confirm_many_reports_each_charter(django_capture_on_commit_callbacks: Any) -> None:
    good, done = CharterFactory(), CharterFactory(status=CharterStatus.COMPLETED)
    with django_capture_on_commit_callbacks() as callbacks:
        results = flow.charters_confirm(charters=[good, done], actor="t")
    assert [(c.code, error != "") for c, error in results] == [(good.code, False), (done.code, True)]
    # The page goes out in bulk (one task per brand, one invalidation per batch), not a task of its own.
    assert [name for name, _ in _target_tasks(callbacks)] == [
        "bookings.tasks.push_calendar_entry",
        "bookings.tasks.push_crew_event",
        "bookings.tasks.push_brand_pages",
    ]
    assert GuestPage.objects.get(charter=good).sync_state == SyncState.PENDING


def test_crew_event_payload_is_exactly_the_allow_list() -> None:
    charter = CharterFactory(
        internal_notes="Boatsetter payout $1,232.50 expected",
        crew_notes="meet at dock 7 at 14:00",
    )
    captain = CrewAssignmentFactory(charter=charter, role="captain", crew_member=CrewMemberFactory(name="Marco"))
    payload = payloads.crew_event_payload(charter)
    assert list(payload) == [
        "charter_ref",
        "title",
        "starts_at",
        "ends_at",
        "vessel",
        "meeting_point",
        "guest_count",
        "crew",
        "notes",
        "status",
    ]
    assert payload["crew"] == [{"email": captain.crew_member.email, "name": "Marco", "role": "captain"}]
    assert payload["starts_at"].endswith(("-07:00", "-08:00"))  # ISO 8601 with the brand's offset
    text = json.dumps(payload)
    for secret in ("1450", "217.5", "300.00", "150.00", "1,232", "payout", charter.guest_email):
        assert secret not in text


def test_calendar_payload_keeps_money_out() -> None:
    charter = CharterFactory(internal_notes="payout $1,232.50")
    payload = payloads.calendar_entry_payload(charter)
    assert set(payload) == set(payloads.CALENDAR_ENTRY_FIELDS)
    assert payload["charter_id"] == charter.code
    assert payload["date"] == charter.starts_at.astimezone(charter.brand.zone).date().isoformat()
    text = json.dumps(payload)
    assert "1450" not in text and "1,232" not in text and "217.5" not in text


def test_idempotency_key_follows_content() -> None:
    charter = CharterFactory()
    payload = payloads.calendar_entry_payload(charter)
    assert payloads.idempotency_key("calendar", payload) == payloads.idempotency_key("calendar", dict(payload))
    moved = {**payload, "date": "2030-01-01"}
    assert payloads.idempotency_key("calendar", payload) != payloads.idempotency_key("calendar", moved)
    assert payloads.idempotency_key("calendar", payload).startswith(f"calendar:{charter.code}:")
