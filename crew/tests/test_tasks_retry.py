"""Crew tasks retry what AWS may recover from, and give up at once on what it never will."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from crew import dynamo
from crew.tasks import crew_event_deliver


def test_a_missing_table_fails_the_scrub_at_once_instead_of_retrying(monkeypatch: pytest.MonkeyPatch) -> None:
    # No table: DynamoDB answers ResourceNotFoundException, which no retry can fix.
    calls: list[str] = []
    real = dynamo.crew_event_scrub

    def counted(event_id: str) -> Any:
        calls.append(event_id)
        return real(event_id)

    monkeypatch.setattr(dynamo, "crew_event_scrub", counted)
    result = crew_event_deliver.apply(kwargs={"event_id": "evt_x"})
    assert result.state == "FAILURE" and "ResourceNotFoundException" in str(result.result)
    assert calls == ["evt_x"]  # once: no retry


def test_throttling_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def throttled(event_id: str) -> Any:
        calls.append(event_id)
        error: Any = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
        raise ClientError(error, "Query")

    monkeypatch.setattr(dynamo, "crew_event_scrub", throttled)  # AWS itself, as bookings/tests/faults.py does
    crew_event_deliver.apply(kwargs={"event_id": "evt_x"})
    assert len(calls) == 1 + crew_event_deliver.max_retries  # eager mode retries at once, up to the limit
