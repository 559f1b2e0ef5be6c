"""In a browser: the front page on a day with charters and trouble; the charter list on a laptop."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from bookings.models import CharterStatus, DriftReport
from bookings.tests.factories import BrandFactory, CharterFactory, VesselFactory
from bookings.tests.test_admin_today import _at
from crew.models import CrewEvent
from guestpages.models import GuestPage
from jada.models import SyncState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "office-pass-0123456789"
# Screenshots for the issue note go outside the repository when that folder exists.
SCREENS = Path(os.environ.get("JADA_SCREENS_DIR", "/work/notes/screens"))


@pytest.fixture
def laptop(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _sign_in(page: Any, base: str) -> None:
    get_user_model().objects.create_superuser("office", "office@sailjada.com", PASSWORD)
    page.goto(f"{base}/admin/")
    page.fill("#id_login", "office")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#site-name")).to_contain_text("JADA Ops")


def _a_busy_day() -> None:
    jada, wind = VesselFactory(name="JADA"), VesselFactory(name="Windward")
    qsd = BrandFactory(slug="queenofsandiego", name="Queen of San Diego")
    for hours, vessel, guest in ((10, jada, "Avery Chen"), (15, jada, "Morgan Diaz"), (11, wind, "Sam Patel")):
        charter = CharterFactory(
            vessel=vessel,
            brand=qsd,
            starts_at=_at(0, hours),
            ends_at=_at(0, hours + 2),
            guest_name=guest,
            status=CharterStatus.CONFIRMED,
        )
        GuestPage.objects.create(charter=charter, sync_state=SyncState.SYNCED)
        CrewEvent.objects.create(charter=charter, sync_state=SyncState.SYNCED)
    CharterFactory(vessel=jada, brand=qsd, starts_at=_at(1, 9), ends_at=_at(1, 12), guest_name="Riley Brooks")


def test_index_on_a_day_with_charters(laptop: Any, live_server: Any) -> None:
    _a_busy_day()
    _sign_in(laptop, live_server.url)
    today = laptop.locator("#jada-today")
    expect(today.get_by_role("heading", name="Today ·")).to_be_visible()
    expect(today.get_by_text("Avery Chen")).to_be_visible()
    expect(today.get_by_text("Riley Brooks")).to_be_visible()
    expect(today.get_by_text("Nothing: every target holds what it should.")).to_be_visible()
    if SCREENS.is_dir():
        laptop.screenshot(path=str(SCREENS / "admin-index-today.png"), full_page=True)


def test_index_with_something_needing_attention(laptop: Any, live_server: Any) -> None:
    _a_busy_day()
    failed = CharterFactory(starts_at=_at(0, 17), ends_at=_at(0, 19), guest_name="Jordan Lee")
    GuestPage.objects.create(charter=failed, sync_state=SyncState.FAILED, last_error="NoSuchBucket")
    DriftReport.objects.create(findings=[{"kind": "orphan"}], finding_count=1)
    _sign_in(laptop, live_server.url)
    attention = laptop.locator(".jada-attention")
    expect(attention.get_by_text("1 charter(s) with a failed guest page")).to_be_visible()
    expect(attention.get_by_text("Drift: the latest report found 1 difference(s)")).to_be_visible()
    if SCREENS.is_dir():
        laptop.screenshot(path=str(SCREENS / "admin-index-attention.png"), full_page=True)
    attention.get_by_text("failed guest page").click()
    expect(laptop.get_by_text("Jordan Lee")).to_be_visible()


def test_charter_list_fits_a_laptop_with_its_targets_visible(laptop: Any, live_server: Any) -> None:
    _a_busy_day()
    for n in range(5):
        CharterFactory(
            guest_name=f"A rather long guest name number {n}", starts_at=_at(3 + n, 10), ends_at=_at(3 + n, 14)
        )
    _sign_in(laptop, live_server.url)
    laptop.goto(f"{live_server.url}/admin/bookings/charter/")
    header = laptop.locator("th.column-targets_summary")
    expect(header).to_be_visible()
    box, results = header.bounding_box(), laptop.locator("#changelist .results").bounding_box()
    assert box is not None and results is not None
    assert box["x"] + box["width"] <= min(results["x"] + results["width"], 1366), (box, results)
    # Nothing scrolls sideways: not the page, not the table inside its box.
    assert laptop.evaluate("document.documentElement.scrollWidth") <= 1366
    assert laptop.evaluate(
        "(() => { const r = document.querySelector('#changelist .results'); return r.scrollWidth <= r.clientWidth; })()"
    )
    if SCREENS.is_dir():
        laptop.screenshot(path=str(SCREENS / "admin-charters-1366.png"))


def test_a_dispatcher_sees_no_money_anywhere(laptop: Any, live_server: Any) -> None:
    from decimal import Decimal

    from django.contrib.auth.models import Group

    from jada.office import DISPATCHER_GROUP

    charter = CharterFactory(
        starts_at=_at(0, 10), ends_at=_at(0, 12), gross_revenue=Decimal("1450.00"), platform_fee=Decimal("217.55")
    )
    user = get_user_model().objects.create_user("disp", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=DISPATCHER_GROUP))
    base = live_server.url
    laptop.goto(f"{base}/admin/")
    laptop.fill("#id_login", "disp")
    laptop.fill("#id_password", PASSWORD)
    laptop.click("button[type=submit]")
    expect(laptop.locator("#jada-today").get_by_text(charter.code)).to_be_visible()
    for path in (
        f"/admin/bookings/charter/{charter.pk}/change/",
        "/admin/bookings/charter/",
        "/admin/bookings/charter/calendar/",
        "/admin/",
    ):
        laptop.goto(f"{base}{path}")
        expect(laptop.locator("#content")).to_be_visible()
        for money in ("1450", "1,450", "217.55", "Money (office only)", "Gross revenue"):
            expect(laptop.locator("body")).not_to_contain_text(money)
    laptop.goto(f"{base}/admin/bookings/charter/{charter.pk}/change/")
    expect(laptop.locator("input[name=gross_revenue]")).to_have_count(0)
    expect(laptop.get_by_role("link", name="Reschedule…")).to_be_visible()
