"""The crew notification outbox against a real SMTP server (chaos.smtp_sink): what each outcome
of a hand-over leaves in the ledger, and what the re-drive does with it."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from chaos.smtp_sink import SinkFaults, SmtpSink
from crew import dynamo, notifications
from crew.models import CrewNotification, NotificationState
from crew.services import crew_event_cancel, crew_event_upsert
from crew.tests.factories import CrewMemberFactory
from crew.tests.scc_support import event_payload, table  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink(settings: Any) -> Any:
    with SmtpSink(faults=SinkFaults()) as running:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = running.host, running.port, 2
        yield running


def _record(capture: Any, **changes: Any) -> dict[str, Any]:
    """Store an event version with its outbox rows, without running the delivery."""
    with capture(execute=False):
        event, _created = crew_event_upsert(data=event_payload(**changes))
    return event


def _crew() -> list[dict[str, str]]:
    members = [CrewMemberFactory(email="cass@example.com"), CrewMemberFactory(email="dee@example.com")]
    return [{"email": m.email, "name": m.name, "role": "deckhand"} for m in members]


def test_refused_by_the_server_is_retried_and_then_sent_once(
    table: Any,  # noqa: F811
    sink: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    event = _record(django_capture_on_commit_callbacks, crew=_crew())
    sink.faults.refused_share = 1.0
    with pytest.raises(notifications.NotificationDeferredError):
        notifications.crew_event_deliver(event_id=event["id"])
    rows = CrewNotification.objects.filter(event_id=event["id"])
    assert sorted(rows.values_list("state", "attempts")) == [("pending", 1), ("pending", 1)]
    assert all("451" in r.last_error for r in rows) and sink.messages == []
    sink.faults.refused_share = 0.0
    assert notifications.crew_event_deliver(event_id=event["id"]) == {"sent": 2}
    assert notifications.crew_event_deliver(event_id=event["id"]) == {}
    assert sorted(sink.by_key().values()) == [1, 1]
    assert sorted(rows.values_list("state", "attempts")) == [("sent", 2), ("sent", 2)]
    assert {m.headers["message-id"] for m in sink.messages} == set(rows.values_list("message_id", flat=True))


def test_mail_server_too_slow_to_greet_is_retried_nothing_was_handed_over(
    table: Any,  # noqa: F811
    sink: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    event = _record(django_capture_on_commit_callbacks, crew=_crew()[:1])
    sink.faults.timeout_share, sink.faults.timeout_seconds = 1.0, 3
    with pytest.raises(notifications.NotificationDeferredError):
        notifications.crew_event_deliver(event_id=event["id"])
    row = CrewNotification.objects.get(event_id=event["id"])
    assert (row.state, row.attempts, row.message_id) == ("pending", 1, "")
    assert "not reached" in row.last_error


def test_a_broken_hand_over_stays_sending_and_is_never_resent_automatically(
    table: Any,  # noqa: F811
    sink: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from django.core.mail.backends.smtp import EmailBackend

    event = _record(django_capture_on_commit_callbacks, crew=_crew()[:1])

    def hang_up(self: Any, messages: Any) -> int:
        raise TimeoutError("timed out waiting for 250 after DATA")

    monkeypatch.setattr(EmailBackend, "send_messages", hang_up)
    with caplog.at_level(logging.ERROR, logger="crew.notifications"):
        assert notifications.crew_event_deliver(event_id=event["id"]) == {"unknown": 1}
    row = CrewNotification.objects.get(event_id=event["id"])
    assert row.state == NotificationState.SENDING and row.message_id.startswith("<crew-notification-")
    assert "delivery unknown" in row.last_error and "not re-sent automatically" in caplog.text
    assert notifications.crew_notifications_redrive(older_than=timedelta(0)) == 0
    monkeypatch.undo()
    notifications.crew_notification_resend(notification=row)  # staff decide (delivery runs on commit)
    assert notifications.crew_event_deliver(event_id=event["id"]) == {"sent": 1}
    assert list(sink.by_key().values()) == [1]


def test_cancelled_since_only_the_cancellation_goes_out(
    table: Any,  # noqa: F811
    sink: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    event = _record(django_capture_on_commit_callbacks, crew=_crew())
    with django_capture_on_commit_callbacks(execute=False):
        crew_event_cancel(event_id=event["id"])
    assert notifications.crew_event_deliver(event_id=event["id"]) == {"superseded": 2, "sent": 2}
    assert {key[3] for key in sink.by_key()} == {"cancelled"}
    assigned = CrewNotification.objects.filter(event_id=event["id"], kind="assigned")
    assert set(assigned.values_list("state", "last_error")) == {("superseded", "the event was cancelled since")}


def test_a_version_not_stored_yet_waits_then_the_redrive_sends_it(
    table: Any,  # noqa: F811
    sink: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    crew = _crew()[:1]
    event_id = dynamo.crew_event_id("XHQGMDH")
    notifications.crew_notifications_record(
        event_id=event_id, charter_ref="XHQGMDH", version=1, notices={"cass@example.com": "assigned"}
    )
    assert notifications.crew_event_deliver(event_id=event_id) == {"waiting": 1}
    dynamo.crew_event_write({**event_payload(crew=crew), "id": event_id, "version": 1})
    with django_capture_on_commit_callbacks(execute=True):  # the re-drive enqueues on commit (eager here)
        assert notifications.crew_notifications_redrive(older_than=timedelta(0)) == 1
    assert CrewNotification.objects.get().state == NotificationState.SENT
    assert list(sink.by_key()) == [("cass@example.com", "XHQGMDH", "1", "assigned")]


def test_a_pass_reads_the_item_once_and_marks_it_once_whatever_the_crew_size(
    table: Any,  # noqa: F811
    sink: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crew = [*_crew(), {"email": CrewMemberFactory(email="eve@example.com").email, "name": "Eve", "role": "deckhand"}]
    event = _record(django_capture_on_commit_callbacks, crew=crew)
    calls: list[str] = []
    read, mark = dynamo.crew_event_item, dynamo.crew_event_delivery_mark

    def counted(name: str, call: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return call(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(dynamo, "crew_event_item", counted("read", read))
    monkeypatch.setattr(dynamo, "crew_event_delivery_mark", counted("mark", mark))
    assert notifications.crew_event_deliver(event_id=event["id"]) == {"sent": 3}
    assert calls == ["read", "mark"]
    assert sorted(sink.by_key().values()) == [1, 1, 1]
    monkeypatch.undo()
    assert dynamo.crew_event_item(event["id"])["delivery_state"] == "notified"  # type: ignore[index]
    calls.clear()
    assert notifications.crew_event_deliver(event_id=event["id"]) == {}  # nothing pending: no read at all
    assert calls == []
