"""On a phone: the guest opens the `/g/` link from their captured confirmation and sees their page.

The e-mail carries the brand's public URL (``https://<brand domain>/g/<CODE>``); locally the same
path is served on the brand's ``.localhost`` host through the live server, exactly as `make run`
serves it, from the page the flow published to the (moto) bucket.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from bookings.tests.factories import BrandFactory
from guestpages.message_render import trip_facts
from guestpages.message_send import guest_messages_send
from guestpages.tests.conftest import brand_aws_ready, make_charter
from guestpages.tests.messages_support import html_of, plan
from guestpages.tests.publishing import publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_confirmations_link_opens_the_guest_page_on_a_phone(
    moto_server: str, live_server: Any, settings: Any, phone_page: Any
) -> None:
    settings.PUBLIC_API_URL = live_server.url
    starts = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    brand = brand_aws_ready(BrandFactory(slug="queen", name="Queen", domain="queen.example.com", bucket="queen-pages"))
    charter = make_charter(
        brand=brand,
        status="confirmed",
        code="XHQGMDH",
        guest_name="Jordan Avery",
        guest_email="jordan@example.com",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
    )
    publish(charter)
    plan(charter)  # its on-commit task sends it (eager, as without Redis) …
    assert not guest_messages_send().sent  # … so the sender finds nothing left to do
    [message] = [m for m in mail.outbox if m.to == ["jordan@example.com"]]
    html = html_of(message)
    found = re.search(r'<a class="button" href="https://queen\.example\.com(/g/[A-Z0-9]+)"', html)
    assert found, html

    port = live_server.url.rsplit(":", 1)[1]
    phone_page.goto(f"http://queen.localhost:{port}{found[1]}")
    expect(phone_page.locator("h1")).to_have_text("Welcome aboard, Jordan Avery")
    facts = trip_facts(charter)
    assert f"{facts['date']}, {facts['time']}" in message.body  # what the e-mail said …
    expect(phone_page.locator("#trip-date")).to_have_text(facts["date"])  # … is what the page says
    expect(phone_page.locator("#trip-time")).to_have_text(facts["time"])
