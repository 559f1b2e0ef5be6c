"""Office staff confirm and cancel the demo charter in a real browser and watch the targets."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from bookings.demo import demo_seed
from bookings.models import Charter
from bookings.tests.harness import needs_contracts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_contracts]
PASSWORD = "browser-test-password"


@pytest.fixture
def office(live_server: Any, moto_server: str, settings: Any) -> Iterator[Charter]:
    """The demo on `make run`'s embedded setup: tasks in-process, APIs over HTTP on the live server."""
    settings.SITE_URL = settings.PUBLIC_API_URL = live_server.url
    settings.SCC_API_URL = f"{live_server.url}/api/scc"
    settings.CALENDAR_API_URL = f"{live_server.url}/api/calendar"
    charter = demo_seed(admin_username="office", admin_password=PASSWORD).charter
    call_command("bootstrap_aws", stdout=StringIO())
    yield charter


def _sign_in_and_open(page: Any, live_server: Any, charter: Charter) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_login", "office")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")  # the office sign-in (allauth)
    page.wait_for_selector("#user-tools")
    page.goto(f"{live_server.url}/admin/bookings/charter/{charter.pk}/change/")


def _target_states(page: Any) -> dict[str, str]:
    states = {}
    for kind in ("guest_page", "calendar_entry", "crew_event"):
        badge = page.locator(f'table.jada-targets tr[data-target="{kind}"] .jada-badge')
        states[kind] = badge.get_attribute("class").split("jada-")[-1]
    return states


def test_staff_confirm_and_see_all_three_targets_turn_green(desktop_page: Any, live_server: Any, office: Any) -> None:
    page = desktop_page
    _sign_in_and_open(page, live_server, office)
    assert _target_states(page) == {"guest_page": "none", "calendar_entry": "none", "crew_event": "none"}
    page.get_by_role("button", name="Confirm and publish everywhere").click()
    page.wait_for_selector("ul.messagelist")
    assert "XHQGMDH confirmed; publishing everywhere." in page.locator("ul.messagelist").inner_text()
    page.reload()  # in-process tasks finished before the redirect; a worker would need a moment
    assert _target_states(page) == {"guest_page": "synced", "calendar_entry": "synced", "crew_event": "synced"}
    green = page.locator("table.jada-targets .jada-synced").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert green == "rgb(27, 127, 59)"
    assert page.locator('tr[data-target="guest_page"]').inner_text().count("https://queenofsandiego.com/g/XHQGMDH")


def test_staff_cancel_and_see_every_target_withdrawn(desktop_page: Any, live_server: Any, office: Any) -> None:
    page = desktop_page
    _sign_in_and_open(page, live_server, office)
    page.get_by_role("button", name="Confirm and publish everywhere").click()
    page.wait_for_selector("ul.messagelist")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel and withdraw everywhere").click()
    page.wait_for_selector("ul.messagelist")
    assert "XHQGMDH cancelled; withdrawing everywhere." in page.locator("ul.messagelist").inner_text()
    page.reload()
    assert _target_states(page) == {"guest_page": "synced", "calendar_entry": "synced", "crew_event": "synced"}
    live_as = {
        kind: page.locator(f'tr[data-target="{kind}"] td').nth(1).inner_text()
        for kind in ("guest_page", "calendar_entry", "crew_event")
    }
    assert live_as == {"guest_page": "withdrawn", "calendar_entry": "removed", "crew_event": "cancelled, crew told"}
    assert "Cancelled" in page.locator(".field-status").inner_text()


def test_staff_edit_the_meeting_point_and_every_target_follows(
    desktop_page: Any, live_server: Any, office: Any
) -> None:
    """The issue's walk-through: confirm, change the meeting point in the form, save. The charter shows
    *out of date* until the pushes land (here: a broker that holds them until beat's re-drive), then
    green; the guest page, calendar, SCC event, crew portal and crew e-mails all say Dock 9."""
    from django.core import mail
    from playwright.sync_api import expect

    from bookings.calendar_client import CalendarClient
    from bookings.tests.live import NEW_DOCK
    from crew.client import SccClient
    from crew.links import crew_login_link
    from crew.models import CrewMember
    from jada.celery import app

    page = desktop_page
    _sign_in_and_open(page, live_server, office)
    page.get_by_role("button", name="Confirm and publish everywhere").click()
    expect(page.locator("ul.messagelist")).to_contain_text("XHQGMDH confirmed; publishing everywhere.")
    page.reload()
    targets = page.locator("table.jada-targets")
    for label in ("Guest page", "Calendar entry", "Crew event"):
        expect(targets.get_by_text(f"{label} synced")).to_be_visible()
    mail.outbox.clear()

    app.conf.task_always_eager = False  # pushes wait in the broker: the admin must not show green meanwhile
    try:
        page.fill("#id_meeting_point", NEW_DOCK)
        page.click("input[name=_continue]")
        expect(page.locator("ul.messagelist")).to_contain_text(
            "XHQGMDH: updating guest page, calendar entry, crew event"
        )
        for label in ("Guest page", "Calendar entry", "Crew event"):
            expect(targets.get_by_text(f"{label} out of date")).to_be_visible()
    finally:
        app.conf.task_always_eager = True
    call_command("redrive", "--older-than", "0", stdout=StringIO())  # what beat does a minute later
    page.reload()
    for label in ("Guest page", "Calendar entry", "Crew event"):
        expect(targets.get_by_text(f"{label} synced")).to_be_visible()

    port = live_server.url.rsplit(":", 1)[1]
    page.goto(f"http://queenofsandiego.localhost:{port}/g/XHQGMDH")
    expect(page.get_by_text(NEW_DOCK).first).to_be_visible()
    assert (CalendarClient().entry_get("XHQGMDH") or {})["meeting_point"] == NEW_DOCK
    assert (SccClient().event_find("XHQGMDH") or {})["meeting_point"] == NEW_DOCK
    captain = CrewMember.objects.get(email="marco.reyes@sailjada.com")
    page.goto(crew_login_link(captain))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="JADA charter, party of 6").click()
    expect(page.get_by_text(NEW_DOCK).first).to_be_visible()
    told = [m for m in mail.outbox if m.to == [captain.email] and m.subject.startswith("Changed:")]
    assert len(told) == 1 and NEW_DOCK in told[0].body
