"""The confirm's own round trips: the conflict check inside the UPDATE, one upsert for the three targets."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import flow
from bookings.models import CalendarEntry
from bookings.payloads import target_fingerprint
from bookings.targets import TARGET_MODELS, targets_mark_pending
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
    everything = [q["sql"] for q in queries.captured_queries]
    # Under the test's own transaction the durable block is one SAVEPOINT … RELEASE (in production
    # BEGIN … COMMIT); there is no savepoint inside it (the UPDATE no longer needs one).
    assert sum(s.startswith("SAVEPOINT") for s in everything) == 1
    statements = [s for s in everything if not s.startswith(("SAVEPOINT", "RELEASE"))]
    # lock, the UPDATE that checks for clashes, the 3 target upserts in one statement, crew for the
    # fingerprint, guest plan (2), audit: 7 (12 before, with the check, the savepoint pair and an
    # upsert per target as statements of their own). SQLite has no INSERT inside WITH: 3 upserts.
    one_upsert = connection.vendor == "postgresql"
    assert len(statements) == (7 if one_upsert else 9), "\n".join(s[:120] for s in statements)
    upserts = [s for s in statements if "ON CONFLICT" in s]
    assert len(upserts) == (1 if one_upsert else 3) and sum(s.count("ON CONFLICT") for s in upserts) == 3
    assert sum(s.startswith("UPDATE") and "EXISTS" in s for s in statements) == 1


def test_the_upserted_rows_are_each_kinds_own() -> None:
    charter = CharterFactory()
    marked = targets_mark_pending(charter=charter, force=True)
    assert {m.kind: m.row_id for m in marked} == {
        "guest_page": GuestPage.objects.get(charter=charter).pk,
        "calendar_entry": CalendarEntry.objects.get(charter=charter).pk,
        "crew_event": CrewEvent.objects.get(charter=charter).pk,
    }
    for model in (GuestPage, CalendarEntry, CrewEvent):
        row: Any = model.objects.get(charter=charter)
        assert (row.sync_state, row.attempts, row.wanted_fingerprint) == (
            SyncState.PENDING,
            0,
            target_fingerprint(model_kind(model), charter),
        )


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


def model_kind(model: Any) -> str:
    return next(kind for kind, mirror in TARGET_MODELS.items() if mirror is model)
