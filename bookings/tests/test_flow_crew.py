"""The crew-event target against the real SCC API (in-process WSGI), DynamoDB in moto."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.core import mail

from bookings import flow, payloads, targets
from bookings.demo import demo_seed
from bookings.tests.harness import needs_scc
from crew.dynamo import crew_events_table_ensure
from crew.models import CrewEvent
from jada.models import SyncState

pytestmark = [pytest.mark.django_db, needs_scc]


@pytest.fixture
def scc(wsgi_transport: httpx.WSGITransport) -> Any:
    from crew.client import SccClient

    crew_events_table_ensure()
    return SccClient("http://testserver/api/scc", transport=wsgi_transport, sleep=lambda s: None)


def _sync(event: CrewEvent, scc: Any, capture: Any) -> str:
    with capture(execute=True):  # SCC scrubs, re-reads and e-mails after its commit
        return targets.target_push(kind="crew_event", row_id=event.pk, client=scc)


def test_confirm_creates_one_event_and_tells_each_crew_member_once(
    scc: Any, django_capture_on_commit_callbacks: Any
) -> None:
    charter = demo_seed().charter
    flow.charter_confirm(charter=charter, actor="test")
    event = CrewEvent.objects.get(charter=charter)
    assert _sync(event, scc, django_capture_on_commit_callbacks) == SyncState.SYNCED
    event.refresh_from_db()
    stored = scc.event_get(event.remote_id)
    assert stored["charter_ref"] == "XHQGMDH" and stored["version"] == 1
    assert {c["email"] for c in stored["crew"]} == {"marco.reyes@sailjada.com", "dana.whitfield@sailjada.com"}
    assert "$" not in stored["notes"] and "dock 7" in stored["notes"]
    assert sorted(m.to[0] for m in mail.outbox) == ["dana.whitfield@sailjada.com", "marco.reyes@sailjada.com"]

    flow.target_retry(charter=charter, kind="crew_event", actor="test")
    _sync(event, scc, django_capture_on_commit_callbacks)
    assert scc.event_get(event.remote_id)["version"] == 1  # same content: same version, nobody told
    assert len(mail.outbox) == 2


def test_reschedule_and_cancel_reach_the_crew(scc: Any, django_capture_on_commit_callbacks: Any) -> None:
    charter = demo_seed().charter
    flow.charter_confirm(charter=charter, actor="test")
    event = CrewEvent.objects.get(charter=charter)
    _sync(event, scc, django_capture_on_commit_callbacks)
    starts = charter.starts_at + timedelta(days=2)
    charter = flow.charter_reschedule(charter=charter, starts_at=starts, ends_at=starts + timedelta(hours=3), actor="t")
    _sync(event, scc, django_capture_on_commit_callbacks)
    event.refresh_from_db()
    moved = scc.event_get(event.remote_id)
    assert moved["version"] == 2 and moved["starts_at"] == payloads.crew_event_payload(charter)["starts_at"]
    assert len(mail.outbox) == 4
    flow.charter_cancel(charter=charter, actor="t")
    assert _sync(event, scc, django_capture_on_commit_callbacks) == SyncState.SYNCED
    assert scc.event_get(event.remote_id)["status"] == "cancelled"
    assert len(mail.outbox) == 6


def test_cancel_before_any_sync_finds_nothing_to_cancel(scc: Any, django_capture_on_commit_callbacks: Any) -> None:
    charter = demo_seed().charter
    flow.charter_confirm(charter=charter, actor="test")
    flow.charter_cancel(charter=charter, actor="test")
    event = CrewEvent.objects.get(charter=charter)
    assert _sync(event, scc, django_capture_on_commit_callbacks) == SyncState.SYNCED
    assert scc.event_find("XHQGMDH") is None
    assert mail.outbox == []


def test_cancel_reaches_an_event_whose_id_was_never_recorded(scc: Any, django_capture_on_commit_callbacks: Any) -> None:
    """The worker died after SCC created the event but before we stored its id."""
    charter = demo_seed().charter
    flow.charter_confirm(charter=charter, actor="test")
    event = CrewEvent.objects.get(charter=charter)
    _sync(event, scc, django_capture_on_commit_callbacks)
    CrewEvent.objects.filter(pk=event.pk).update(remote_id="")
    flow.charter_cancel(charter=charter, actor="test")
    _sync(event, scc, django_capture_on_commit_callbacks)
    assert scc.event_find("XHQGMDH")["status"] == "cancelled"
