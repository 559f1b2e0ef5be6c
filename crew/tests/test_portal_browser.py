"""A crew member on a phone: ask for a link, open it from the e-mail, sign in, see only their charters."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from crew.models import CrewExposure, CrewMember
from crew.tests.portal_support import assert_no_money, crew_entry, dirty_item_put, event_put, event_record, in_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("crew_table")]


def test_phone_sign_in_and_own_charters_only(
    phone_page: Any, live_server: Any, settings: Any, ana: CrewMember, ben: CrewMember
) -> None:
    settings.SITE_URL = live_server.url
    both = [crew_entry(ana, "captain"), crew_entry(ben, "deckhand")]
    shared = event_record("SHARED1", crew=both, starts=in_days(3), title="Sunset sail for the Parkers")
    dirty_item_put(shared, ana.email)  # money in the stored notes: the portal must not show it
    event_put(event_record("PAST9", crew=both, starts=in_days(-12), title="Harbor tour last month"))
    bens = event_put(event_record("BEN1", crew=[crew_entry(ben, "captain")], starts=in_days(4), title="Ben's solo"))
    page = phone_page

    page.goto(f"{live_server.url}/crew/login/")
    page.get_by_label("Your e-mail address").fill("ana@example.com")
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()

    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/crew/login/confirm/\?sesame=\S+", str(mail.outbox[0].body))
    assert link is not None and link.group(0).startswith(live_server.url)
    page.goto(link.group(0))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/crew/")

    listing = page.content()
    assert "Sunset sail for the Parkers" in listing and "Harbor tour last month" in listing
    assert listing.index("Sunset sail for the Parkers") < listing.index("Harbor tour last month")
    assert "Ben's solo" not in listing and bens["id"] not in listing
    assert_no_money(listing)
    page.screenshot(path="/tmp/portal.png", full_page=True)

    page.get_by_role("link", name=re.compile("Sunset sail for the Parkers")).click()
    page.get_by_role("heading", name="Sunset sail for the Parkers").wait_for()
    detail = page.content()
    assert "Meet at dock 7 at 14:00, party of 6." in detail and "Ben (deckhand)" in detail
    assert_no_money(detail)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.screenshot(path="/tmp/portal-event.png", full_page=True)
    assert list(CrewExposure.objects.values_list("event_id", "channel")) == [(shared["id"], "portal")]

    response = page.goto(f"{live_server.url}/crew/events/{bens['id']}/")
    assert response is not None and response.status == 404
    assert "Ben's solo" not in page.content()
