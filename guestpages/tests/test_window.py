"""The photo window: its edges to the second, rescheduling and cancelling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bookings.tests.factories import BrandFactory
from guestpages.tests.conftest import make_charter
from guestpages.window import photo_window

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)


@pytest.fixture
def charter() -> Any:
    return make_charter(brand=BrandFactory(slug="edges"), status="confirmed")


def test_defaults_two_hours_before_to_seven_days_after(charter: Any) -> None:
    window = photo_window(charter)
    assert window.opens_at == charter.starts_at - timedelta(hours=2)
    assert window.closes_at == charter.ends_at + timedelta(days=7)


def test_opening_edge(charter: Any) -> None:
    opens = photo_window(charter).opens_at
    assert photo_window(charter, now=opens - SECOND).state == "not_open"
    assert photo_window(charter, now=opens).state == "open"
    assert photo_window(charter, now=opens + SECOND).state == "open"


def test_closing_edge(charter: Any) -> None:
    closes = photo_window(charter).closes_at
    assert photo_window(charter, now=closes - SECOND).state == "open"
    assert photo_window(charter, now=closes).state == "closed"
    assert photo_window(charter, now=closes + SECOND).state == "closed"
    assert photo_window(charter, now=closes - SECOND).seconds_left(closes - SECOND) == 1


def test_brand_settings_change_the_window(charter: Any) -> None:
    brand = charter.brand
    brand.photo_window_opens_before = timedelta(minutes=30)
    brand.photo_window_closes_after = timedelta(days=1)
    brand.save()
    window = photo_window(charter)
    assert window.opens_at == charter.starts_at - timedelta(minutes=30)
    assert window.closes_at == charter.ends_at + timedelta(days=1)


def test_reschedule_moves_the_window(charter: Any) -> None:
    old = photo_window(charter)
    now = old.opens_at + timedelta(minutes=5)
    assert photo_window(charter, now=now).state == "open"
    charter.starts_at += timedelta(days=2)
    charter.ends_at += timedelta(days=2)
    charter.save()
    charter.refresh_from_db()
    moved = photo_window(charter, now=now)
    assert moved.opens_at == old.opens_at + timedelta(days=2)
    assert moved.closes_at == old.closes_at + timedelta(days=2)
    assert moved.state == "not_open"


def test_cancelled_is_closed_even_inside_the_window(charter: Any) -> None:
    inside = photo_window(charter).opens_at + timedelta(hours=1)
    charter.status = "cancelled"
    charter.save()
    assert photo_window(charter, now=inside).state == "closed"
