"""Crew notifications: an outbox row per member and version, verified-clean records only, magic links."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail

from crew import dynamo, notification_message, notifications, tasks
from crew.models import CrewExposure, CrewNotification, NotificationState
from crew.services import crew_event_cancel, crew_event_patch, crew_event_upsert, crew_notices
from crew.tests import scc_support
from crew.tests.factories import CrewMemberFactory
from crew.tests.scc_support import event_payload

pytestmark = pytest.mark.django_db
table = scc_support.table


@pytest.fixture
def crew(db: None) -> list[Any]:
    return [
        CrewMemberFactory(email="cass@example.com", name="Cass Captain"),
        CrewMemberFactory(email="dee@example.com", name="Dee Deck"),
    ]


def _crew_payload(members: list[Any], roles: tuple[str, ...] = ("captain", "deckhand")) -> list[dict[str, str]]:
    return [{"email": m.email, "name": m.name, "role": r} for m, r in zip(members, roles, strict=False)]


def _upsert(capture: Any, **changes: Any) -> dict[str, Any]:
    with capture(execute=True):
        event, _created = crew_event_upsert(data=event_payload(**changes))
    return event


def test_email_says_what_when_where_vessel_role_and_has_a_magic_link(
    table: Any, crew: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    event = _upsert(django_capture_on_commit_callbacks, crew=_crew_payload(crew))
    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if m.to == ["cass@example.com"])
    assert message.subject == "You're crew: JADA charter, party of 6 — Thu 30 May 14:00"
    for expected in (
        "Hi Cass",
        "What:    JADA charter, party of 6",
        "When:    Thu 30 May 2024, 14:00–18:00 PDT",
        "Where:   Dock 7, Shelter Island Marina",
        "Vessel:  JADA",
        "Role:    Captain",
        "http://testserver/crew/login/confirm/?sesame=",
    ):
        assert expected in message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert "/crew/login/confirm/?sesame=" in html and "Captain" in html
    exposures = CrewExposure.objects.filter(event_id=event["id"], channel="email")
    assert sorted(e.crew_member.email for e in exposures) == ["cass@example.com", "dee@example.com"]
    assert dynamo.crew_event_item(event["id"])["delivery_state"] == "notified"  # type: ignore[index]


def test_task_twice_sends_one_email_per_member_per_version(
    table: Any, crew: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    event = _upsert(django_capture_on_commit_callbacks, crew=_crew_payload(crew))
    for _ in range(2):
        tasks.crew_event_deliver.delay(event_id=event["id"])
        tasks.crew_event_notify.delay(event_id=event["id"], version=1, notices={"cass@example.com": "assigned"})
    assert sorted(m.to[0] for m in mail.outbox) == ["cass@example.com", "dee@example.com"]
    rows = CrewNotification.objects.filter(event_id=event["id"], version=1)
    assert sorted(rows.values_list("state", flat=True)) == ["sent", "sent"]
    assert all(r.sent_at and r.attempts == 1 and r.message_id.startswith("<crew-notification-") for r in rows)
    assert CrewExposure.objects.filter(event_id=event["id"]).count() == 2
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == {r.message_id for r in rows}


def test_the_outbox_row_is_written_with_the_event_and_sent_only_after_commit(
    table: Any, crew: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event, _created = crew_event_upsert(data=event_payload(crew=_crew_payload(crew)))
    rows = CrewNotification.objects.filter(event_id=event["id"])
    assert sorted((r.crew_member.email, r.version, r.kind, r.state) for r in rows) == [
        ("cass@example.com", 1, "assigned", "pending"),
        ("dee@example.com", 1, "assigned", "pending"),
    ]
    assert rows.first().charter_ref == "XHQGMDH"  # type: ignore[union-attr]
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()  # the on-commit enqueue: the delivery task (eager here)
    assert sorted(rows.values_list("state", flat=True)) == ["sent", "sent"]


def test_no_email_for_an_item_that_fails_verification(
    table: Any, crew: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    event = {**event_payload(crew=_crew_payload(crew)), "id": dynamo.crew_event_id("XHQGMDH"), "version": 1}
    dynamo.crew_event_write(event)
    notifications.crew_notifications_record(
        event_id=event["id"], charter_ref="XHQGMDH", version=1, notices={"cass@example.com": "assigned"}
    )
    table.update_item(
        Key={"pk": dynamo.event_pk(event["id"]), "sk": "EVENT"},
        UpdateExpression="SET revenue = :r",
        ExpressionAttributeValues={":r": 1450},
    )
    with caplog.at_level(logging.ERROR, logger="crew.notifications"):
        outcome = notifications.crew_event_deliver(event_id=event["id"])
    assert outcome == {"held": 1} and mail.outbox == []
    assert "failed verification" in caplog.text and "revenue" in caplog.text
    assert dynamo.crew_event_item(event["id"])["delivery_state"] == "failed"  # type: ignore[index]
    row = CrewNotification.objects.get()
    assert row.state == NotificationState.HELD and "revenue" in row.last_error
    # Held is final: a re-drive does not send it.
    assert notifications.crew_notifications_redrive(older_than=timedelta(0)) == 0


def test_no_email_when_the_rendered_message_would_leak(
    table: Any, crew: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    event = {**event_payload(crew=_crew_payload(crew)), "id": dynamo.crew_event_id("XHQGMDH"), "version": 1}
    dynamo.crew_event_write(event)
    notifications.crew_notifications_record(
        event_id=event["id"], charter_ref="XHQGMDH", version=1, notices={"cass@example.com": "assigned"}
    )
    monkeypatch.setattr(notification_message, "event_when", lambda e: "Thu 30 May, tip $50")
    outcome = notifications.crew_event_deliver(event_id=event["id"])
    assert outcome == {"held": 1} and mail.outbox == []
    assert "would show a scrubbed value" in CrewNotification.objects.get().last_error


def test_unknown_crew_email_is_skipped_with_a_warning(
    table: Any, crew: list[Any], django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    stranger = [{"email": "stranger@example.com", "name": "S", "role": "mate"}]
    with caplog.at_level(logging.WARNING, logger="crew.notifications"):
        _upsert(django_capture_on_commit_callbacks, crew=_crew_payload(crew[:1]) + stranger)
    assert [m.to for m in mail.outbox] == [["cass@example.com"]]
    assert "stranger@example.com" in caplog.text


def test_time_or_place_change_and_cancellation_are_told(
    table: Any, crew: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    event = _upsert(capture, crew=_crew_payload(crew))
    mail.outbox.clear()
    with capture(execute=True):
        crew_event_patch(event_id=event["id"], changes={"notes": "Bring 2 coolers"})
    assert mail.outbox == []  # a note is in the portal, not worth an e-mail
    with capture(execute=True):
        crew_event_patch(event_id=event["id"], changes={"starts_at": "2024-05-30T15:00:00-07:00"})
    assert sorted(m.subject for m in mail.outbox) == ["Changed: JADA charter, party of 6 — Thu 30 May 15:00"] * 2
    mail.outbox.clear()
    with capture(execute=True):
        crew_event_cancel(event_id=event["id"])
        crew_event_cancel(event_id=event["id"])
    assert sorted(m.to[0] for m in mail.outbox) == ["cass@example.com", "dee@example.com"]
    assert all(m.subject.startswith("Cancelled:") and "CANCELLED" in m.body for m in mail.outbox)


def test_notices_cover_new_removed_and_role_changes() -> None:
    before = scc_support_event(crew=[("a@x.com", "captain"), ("b@x.com", "mate")])
    after = scc_support_event(crew=[("a@x.com", "mate"), ("c@x.com", "deckhand")])
    assert crew_notices(before, after) == {"a@x.com": "assigned", "b@x.com": "removed", "c@x.com": "assigned"}
    assert crew_notices(None, after) == {"a@x.com": "assigned", "c@x.com": "assigned"}
    cancelled = {**after, "status": "cancelled"}
    assert crew_notices(after, cancelled) == {"a@x.com": "cancelled", "c@x.com": "cancelled"}
    assert crew_notices(cancelled, cancelled) == {}
    assert crew_notices(after, {**after, "notes": "new"}) == {}


def scc_support_event(*, crew: list[tuple[str, str]]) -> dict[str, Any]:
    from crew.crew_facing import crew_facing

    return crew_facing({**event_payload(), "crew": [{"email": e, "name": e, "role": r} for e, r in crew]})
