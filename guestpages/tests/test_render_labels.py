"""The dates and times a guest reads on the page, in the brand's zone (labels are cached per day
and per clock time: the cached ones must read exactly as formatted afresh)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bookings.tests.factories import BrandFactory
from guestpages.render import guest_page_render
from guestpages.tests.conftest import make_charter

pytestmark = pytest.mark.django_db


def test_an_overnight_summer_charter_reads_in_pacific_daylight_time() -> None:
    charter = make_charter(
        brand=BrandFactory(slug="labels"),
        status="confirmed",
        starts_at=datetime(2026, 7, 4, 7, 5, tzinfo=UTC),  # 00:05 PDT
        ends_at=datetime(2026, 7, 5, 20, 30, tzinfo=UTC),  # 13:30 PDT the next day
        meeting_point="Dock 7, Shelter Island Marina",
    )
    html = guest_page_render(charter)
    assert '<dd id="trip-date">Saturday, July 4, 2026</dd>' in html
    assert '<dd id="trip-time">12:05 AM – Sunday, July 5, 2026 1:30 PM PDT</dd>' in html
    assert "opens Friday, July 3, 2026 at 10:05 PM PDT and closes Sunday, July 12, 2026 at 1:30 PM PDT." in html
    assert 'href="https://www.google.com/maps/search/?api=1&amp;query=Dock+7%2C+Shelter+Island+Marina"' in html


def test_a_winter_morning_in_another_zone_reads_in_its_standard_time() -> None:
    charter = make_charter(
        brand=BrandFactory(slug="eastern", time_zone="America/New_York"),
        status="confirmed",
        starts_at=datetime(2026, 12, 2, 17, 0, tzinfo=UTC),  # noon EST
        ends_at=datetime(2026, 12, 2, 20, 0, tzinfo=UTC),
        meeting_point="",
    )
    html = guest_page_render(charter)
    assert '<dd id="trip-date">Wednesday, December 2, 2026</dd>' in html
    assert '<dd id="trip-time">12:00 PM – 3:00 PM EST</dd>' in html
    assert "opens Wednesday, December 2, 2026 at 10:00 AM EST" in html
    assert "Open in maps" not in html
