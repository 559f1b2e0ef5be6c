"""The admin opens on today: charters per vessel with their targets, what needs attention, counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from bookings.models import CharterStatus, DriftReport
from bookings.tests.factories import BrandFactory, CharterFactory, VesselFactory
from guestpages.models import GuestPage
from jada.models import SyncState

pytestmark = pytest.mark.django_db
LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def office(client: Client) -> Client:
    client.force_login(get_user_model().objects.create_superuser("office", "o@sailjada.com", "pw-for-tests-only"))
    return client


def _at(days: int, hour: int, zone: ZoneInfo = LA) -> datetime:
    day = timezone.now().astimezone(LA).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=zone)


def test_index_shows_today_and_tomorrow_per_vessel_in_the_brand_zone(office: Client) -> None:
    jada, wind = VesselFactory(name="JADA"), VesselFactory(name="Windward")
    brand = BrandFactory(slug="qsd", time_zone="America/Los_Angeles")
    today = CharterFactory(vessel=jada, brand=brand, starts_at=_at(0, 10), ends_at=_at(0, 13), guest_name="Avery")
    CharterFactory(vessel=wind, brand=brand, starts_at=_at(1, 16), ends_at=_at(1, 18), guest_name="Blake")
    CharterFactory(vessel=jada, brand=brand, starts_at=_at(5, 10), ends_at=_at(5, 12), guest_name="Later")
    GuestPage.objects.create(charter=today, sync_state=SyncState.SYNCED)

    html = office.get("/admin/").content.decode()
    assert "<title>Today | JADA Ops</title>" in html
    today_part, tomorrow_part = html.split("Tomorrow ·")[0], html.split("Tomorrow ·")[1]
    assert "Avery" in today_part and "10:00–13:00" in today_part
    assert "PDT" in today_part or "PST" in today_part
    assert "Blake" in tomorrow_part and "Windward" in tomorrow_part
    assert "Later" not in html
    assert "Guest page synced" in today_part and "Crew event none" in today_part


def test_needs_attention_links_failed_targets_and_drift(office: Client) -> None:
    charter = CharterFactory(starts_at=_at(0, 9), ends_at=_at(0, 11), status=CharterStatus.CONFIRMED)
    GuestPage.objects.create(charter=charter, sync_state=SyncState.FAILED, last_error="NoSuchBucket")
    DriftReport.objects.create(findings=[{"kind": "orphan"}, {"kind": "stale"}], finding_count=2)
    html = office.get("/admin/").content.decode()
    assert "1 charter(s) with a failed guest page" in html
    assert "?targets=failed" in html
    assert "Drift: the latest report found 2 difference(s)" in html


def test_a_quiet_day_says_nothing_needs_attention(office: Client) -> None:
    html = office.get("/admin/").content.decode()
    assert "Nothing: every target holds what it should." in html
    assert html.count("No charters.") == 2


def test_index_queries_do_not_grow_with_charters(office: Client, django_assert_max_num_queries: Any) -> None:
    for hour in range(8, 18):
        CharterFactory(starts_at=_at(0, hour), ends_at=_at(0, hour) + timedelta(minutes=50))
    with django_assert_max_num_queries(25):
        assert office.get("/admin/").status_code == 200


def test_index_lines_link_each_charter_and_show_its_three_badges(office: Client) -> None:
    from django.urls import reverse

    from bookings.admin_targets import target_badge

    charters = [CharterFactory(starts_at=_at(0, h), ends_at=_at(0, h + 1)) for h in (9, 13)]
    page = GuestPage.objects.create(charter=charters[0], sync_state=SyncState.FAILED)
    html = office.get("/admin/").content.decode()
    for charter in charters:
        assert f'<a href="{reverse("admin:bookings_charter_change", args=[charter.pk])}">{charter.code}</a>' in html
    assert f"{target_badge('Guest page', page)} {target_badge('Calendar', None)} " in html
