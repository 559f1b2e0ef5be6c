"""Fixtures for the SCC tests: the real API reached by the real client, DynamoDB in moto.

Import the fixtures into a test module (``from crew.tests.scc_support import scc, table``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings

from crew import dynamo
from crew.client import SccClient
from crew.service_key import service_key_cache_clear
from jada.aws import aws_resource

MONEY_NOTES = "Revenue $1,450, captain fee $300 — meet at dock 7 at 14:00, party of 6"


@pytest.fixture(autouse=True)
def _forget_verified_keys() -> Iterator[None]:
    service_key_cache_clear()
    yield
    service_key_cache_clear()


@pytest.fixture
def table() -> Any:
    """The crew-events table, created the way ``bootstrap_aws`` creates it."""
    dynamo.crew_events_table_ensure()
    return aws_resource("dynamodb").Table(settings.CREW_EVENTS_TABLE)


@pytest.fixture
def wsgi(wsgi_transport: httpx.WSGITransport) -> httpx.WSGITransport:
    """httpx into the real WSGI app (the root conftest's transport)."""
    return wsgi_transport


@pytest.fixture
def scc(db: None, table: Any, wsgi: httpx.WSGITransport) -> Iterator[SccClient]:
    """The real SCC client, talking to the real API in-process."""
    with SccClient(transport=wsgi, sleep=lambda _s: None) as client:
        yield client


@pytest.fixture
def raw(db: None, table: Any, wsgi: httpx.WSGITransport) -> Iterator[httpx.Client]:
    """A bare HTTP client into the API, for requests the real client would never send."""
    with httpx.Client(transport=wsgi, base_url="http://testserver/api/scc") as client:
        yield client


def event_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "charter_ref": "XHQGMDH",
        "title": "JADA charter, party of 6",
        "starts_at": "2024-05-30T14:00:00-07:00",
        "ends_at": "2024-05-30T18:00:00-07:00",
        "vessel": "JADA",
        "meeting_point": "Dock 7, Shelter Island Marina",
        "guest_count": 6,
        "crew": [],
        "notes": "Meet at dock 7 at 14:00.",
        "status": "confirmed",
    }
    payload.update(changes)
    return payload
