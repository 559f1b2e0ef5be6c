"""Nothing leaves the office unscrubbed: the SCC request body the booking flow sends, captured at
the transport, holds none of the financial forms crew must never see — and the operational
numbers of the same sentences arrive digit for digit."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from bookings import flow, targets
from bookings.demo import demo_seed
from crew.client import SccClient
from crew.dynamo import crew_events_table_ensure
from crew.models import CrewEvent
from crew.money_check import money_findings
from crew.tests.test_scrub_paths import FORMS

pytestmark = pytest.mark.django_db


class Recording(httpx.BaseTransport):
    """The real WSGI transport, keeping every request body it carried."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.bodies: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.read().decode())
        return self.inner.handle_request(request)


@pytest.mark.parametrize(("form", "amounts"), FORMS, ids=[f for f, _ in FORMS])
def test_the_scc_request_body_carries_no_money(
    form: str, amounts: tuple[str, ...], wsgi_transport: httpx.WSGITransport, django_capture_on_commit_callbacks: Any
) -> None:
    crew_events_table_ensure()
    charter = demo_seed().charter
    charter.crew_notes = f"Meet at dock 12 at 09:30, party of 5. {form} 3 coolers, VHF 16."
    charter.save()
    flow.charter_confirm(charter=charter, actor="test")
    recording = Recording(wsgi_transport)
    scc = SccClient("http://testserver/api/scc", transport=recording, sleep=lambda s: None)
    with django_capture_on_commit_callbacks(execute=False):
        targets.target_push(kind="crew_event", row_id=CrewEvent.objects.get(charter=charter).pk, client=scc)
    (sent,) = [json.loads(body) for body in recording.bodies if body]
    notes = sent["notes"]
    assert money_findings(json.dumps(sent)) == [], notes
    for amount in amounts:
        assert amount not in notes, notes
    for operational in ("12", "09:30", "5", "3 coolers", "VHF 16"):
        assert operational in notes, notes
