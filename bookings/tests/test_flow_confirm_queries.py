"""The confirm's own round trips: one conflict query, one upsert per target."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import flow
from bookings.models import CalendarEntry
from bookings.tests.factories import CharterFactory
from crew.models import CrewEvent
from crew.tests.factories import CrewAssignmentFactory
from guestpages.models import GuestPage
from jada.models import SyncState

pytestmark = pytest.mark.django_db


def test_a_confirm_with_crew_and_no_clash_costs_a_fixed_few_queries() -> None:
    charter = CharterFactory()
    CrewAssignmentFactory(charter=charter)
    CrewAssignmentFactory(charter=charter)
    with CaptureQueriesContext(connection) as queries:
        flow.charter_confirm(charter=charter, actor="test")
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # lock, conflict check, UPDATE, 3 target upserts, crew for the fingerprint, guest plan (2), audit
    assert len(statements) <= 10, "\n".join(s[:120] for s in statements)
    assert sum("ON CONFLICT" in s for s in statements) == 3


def test_confirming_again_keeps_each_target_row_and_what_it_delivered() -> None:
    charter = CharterFactory()
    flow.charter_confirm(charter=charter, actor="test")
    rows: list[Any] = [GuestPage.objects.get(), CalendarEntry.objects.get(), CrewEvent.objects.get()]
    for row in rows:
        type(row).objects.filter(pk=row.pk).update(
            sync_state=SyncState.SYNCED, delivered_fingerprint="old", attempts=3, last_error="boom"
        )
    flow.charter_confirm(charter=charter, actor="test")
    for row in rows:
        again = type(row).objects.get()
        assert again.pk == row.pk and again.delivered_fingerprint == "old"
        assert (again.sync_state, again.attempts, again.last_error) == (SyncState.PENDING, 0, "")
        assert again.wanted_fingerprint == row.wanted_fingerprint and again.updated_at > row.updated_at
