"""No double bookings, on PostgreSQL and on SQLite (JADA_TEST_SQLITE=1): the rule, the refusal, the override.

The PostgreSQL-only test shows the exclusion constraint holds even when the service check is
bypassed (a race, or a raw UPDATE).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bookings import conflicts, flow
from bookings.models import Charter, CharterConflict, CharterSource, CharterStatus, ConflictResolution
from bookings.tests.factories import CharterFactory, VesselFactory
from crew.tests.factories import CrewAssignmentFactory, CrewMemberFactory
from jada.models import AuditEntry

pytestmark = pytest.mark.django_db
START = (timezone.now() + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)


def _pair(gap: timedelta = -timedelta(hours=1), **other: Any) -> tuple[Charter, Charter]:
    """A Boatsetter charter and a GetMyBoat one on JADA, the second starting ``gap`` after the first ends."""
    first = CharterFactory(source=CharterSource.BOATSETTER, starts_at=START, ends_at=START + timedelta(hours=3))
    second_start = first.ends_at + gap
    second = CharterFactory(
        source=CharterSource.GETMYBOAT, starts_at=second_start, ends_at=second_start + timedelta(hours=3), **other
    )
    return first, second


def test_two_marketplace_bookings_on_one_vessel_open_a_conflict_and_block_confirmation() -> None:
    first, second = _pair()
    opened = conflicts.conflicts_refresh(charter=second)
    assert [(c.charter, c.other, c.kind) for c in opened] == [(second, first, "vessel")]
    assert first.code in opened[0].detail and second.code in opened[0].detail
    assert conflicts.conflicts_refresh(charter=second) == opened  # idempotent
    with pytest.raises(flow.FlowError) as refused:
        flow.charter_confirm(charter=second, actor="test")
    assert refused.value.message.startswith(f"Charter {second.code} overlaps charter {first.code} on JADA (")
    assert refused.value.message.endswith(
        f"Resolve the conflict (cancel, move or override) before confirming {second.code}."
    )
    with pytest.raises(flow.FlowError, match=second.code):
        flow.charter_confirm(charter=first, actor="test")
    assert set(Charter.objects.values_list("status", flat=True)) == {CharterStatus.INQUIRY}


def test_turnaround_is_respected() -> None:
    _close, after_close = _pair(gap=timedelta(minutes=15))  # JADA needs 30 min between charters
    assert conflicts.conflicts_refresh(charter=after_close)
    Charter.objects.all().delete()
    fine, after_fine = _pair(gap=timedelta(minutes=45))
    assert conflicts.conflicts_refresh(charter=after_fine) == []
    flow.charter_confirm(charter=fine, actor="test")
    flow.charter_confirm(charter=after_fine, actor="test")
    assert Charter.objects.filter(status=CharterStatus.CONFIRMED).count() == 2


def test_a_crew_member_on_two_overlapping_charters_is_a_conflict() -> None:
    marco = CrewMemberFactory(name="Marco Reyes")
    first = CharterFactory(starts_at=START, ends_at=START + timedelta(hours=3))
    second = CharterFactory(
        vessel=VesselFactory(name="Second Wind"),
        starts_at=START + timedelta(hours=1),
        ends_at=START + timedelta(hours=4),
    )
    CrewAssignmentFactory(charter=first, crew_member=marco)
    CrewAssignmentFactory(charter=second, crew_member=marco)
    [conflict] = conflicts.conflicts_refresh(charter=second)
    assert (conflict.kind, conflict.crew_member) == ("crew", marco)
    with pytest.raises(flow.FlowError) as refused:
        flow.charter_confirm(charter=second, actor="test")
    assert f"puts Marco Reyes on two charters at once: {first.code}" in refused.value.message


def test_confirming_a_cancelled_charter_again_is_checked_as_the_charter_it_becomes() -> None:
    first, second = _pair()  # overlapping inquiries on one vessel
    flow.charter_cancel(charter=first, actor="test")
    with pytest.raises(flow.FlowError, match=f"Charter {first.code} overlaps charter {second.code}"):
        flow.charter_confirm(charter=first, actor="test")
    assert Charter.objects.get(pk=first.pk).status == CharterStatus.CANCELLED
    flow.charter_cancel(charter=second, actor="test")  # the boat is free again
    flow.charter_confirm(charter=first, actor="test")
    assert Charter.objects.get(pk=first.pk).status == CharterStatus.CONFIRMED


def test_override_needs_a_reason_is_audited_and_then_allows_confirming() -> None:
    first, second = _pair()
    [conflict] = conflicts.conflicts_refresh(charter=second)
    staff = get_user_model().objects.create_user("clerk", is_staff=True)
    with pytest.raises(conflicts.ConflictError, match="Give a reason"):
        conflicts.conflict_override(conflict=conflict, reason="  ", actor=staff)
    conflicts.conflict_override(conflict=conflict, reason="Same family, one trip", actor=staff)
    conflict.refresh_from_db()
    assert (conflict.resolution, conflict.resolved_by, conflict.reason) == (
        ConflictResolution.OVERRIDDEN,
        "clerk",
        "Same family, one trip",
    )
    audit = AuditEntry.objects.get(action="conflict.overridden")
    assert (audit.actor, audit.data) == (staff, {"reason": "Same family, one trip"})
    flow.charter_confirm(charter=second, actor="test")
    assert conflicts.conflicts_refresh(charter=second) == []  # overridden stays overridden
    # Two *confirmed* charters on one vessel are never allowed, override or not.
    with pytest.raises(flow.FlowError, match=f"overlaps charter {second.code}.*Cancel or move one of them"):
        flow.charter_confirm(charter=first, actor="test")


def test_cancelling_one_clears_the_conflict() -> None:
    first, second = _pair()
    conflicts.conflicts_refresh(charter=second)
    flow.charter_cancel(charter=first, actor="test")
    assert conflicts.conflicts_refresh(charter=second) == []
    conflict = CharterConflict.objects.get()
    assert conflict.resolution == ConflictResolution.CLEARED
    flow.charter_confirm(charter=second, actor="test")
    assert Charter.objects.get(pk=second.pk).status == CharterStatus.CONFIRMED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's")
def test_postgresql_refuses_two_confirmed_overlapping_charters_whatever_the_path() -> None:
    first, second = _pair(gap=timedelta(minutes=15))  # overlapping only through the turnaround
    Charter.objects.filter(pk=first.pk).update(status=CharterStatus.CONFIRMED)
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Charter.objects.filter(pk=second.pk).update(status=CharterStatus.CONFIRMED)
    assert conflicts.is_double_booking(raised.value)
    # Moving it clear of the turnaround is allowed.
    later = first.ends_at + timedelta(minutes=31)
    Charter.objects.filter(pk=second.pk).update(
        starts_at=later, ends_at=later + timedelta(hours=2), status=CharterStatus.CONFIRMED
    )
    assert Charter.objects.filter(status=CharterStatus.CONFIRMED).count() == 2
