"""The confirm's conflict check: one query when nothing clashes, the same answer as the full rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bookings import conflicts
from bookings.models import Charter, CharterStatus
from bookings.tests.factories import CharterFactory, VesselFactory
from crew.tests.factories import CrewAssignmentFactory, CrewMemberFactory

pytestmark = pytest.mark.django_db
START = (timezone.now() + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)


def _charter(hours: float, **fields: Any) -> Charter:
    starts = START + timedelta(hours=hours)
    charter: Charter = CharterFactory(starts_at=starts, ends_at=starts + timedelta(hours=3), **fields)
    return Charter.objects.select_related("brand", "vessel").get(pk=charter.pk)


def test_no_clash_is_answered_in_one_query(django_assert_num_queries: Any) -> None:
    charter = _charter(0)
    CrewAssignmentFactory(charter=charter)
    _charter(4)  # same vessel, after the turnaround
    with django_assert_num_queries(1):
        assert conflicts.charter_confirm_refusal(charter=charter) is None


@pytest.mark.parametrize(
    ("gap_hours", "other_vessel", "shared_crew", "other_status", "clash"),
    [
        (1, False, False, CharterStatus.INQUIRY, True),  # vessel overlap
        (3.25, False, False, CharterStatus.CONFIRMED, True),  # inside the 30 min turnaround
        (3.75, False, False, CharterStatus.CONFIRMED, False),  # after it
        (1, False, False, CharterStatus.CANCELLED, False),  # a cancelled charter holds nothing
        (1, True, True, CharterStatus.INQUIRY, True),  # crew on two charters
        (1, True, False, CharterStatus.INQUIRY, False),  # other boat, other crew
        (1, True, True, CharterStatus.CANCELLED, False),
        (5, True, True, CharterStatus.CONFIRMED, False),  # same crew, later
    ],
)
def test_the_quick_check_agrees_with_the_full_rule(
    gap_hours: float, other_vessel: bool, shared_crew: bool, other_status: str, clash: bool
) -> None:
    charter = _charter(0)
    other = _charter(
        gap_hours, status=other_status, **({"vessel": VesselFactory(name="Other")} if other_vessel else {})
    )
    member = CrewMemberFactory()
    CrewAssignmentFactory(charter=charter, crew_member=member)
    if shared_crew:
        CrewAssignmentFactory(charter=other, crew_member=member)
    assert conflicts.any_clash(charter=charter) is clash
    assert bool(conflicts.clashes(charter=charter)) is clash
    assert (conflicts.charter_confirm_refusal(charter=charter) is not None) is clash
