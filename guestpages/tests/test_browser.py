"""End to end in Chromium: the locally served guest page, a real upload, the admin thumbnail.

The page is opened through the `/g/` preview on the brand's `.localhost` host, exactly as `make run`
serves it; S3 is a moto server on loopback that the browser POSTs the photo to directly.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from bookings.tests.factories import BrandFactory
from guestpages.models import GuestPhoto
from guestpages.tests import publishing
from guestpages.tests.conftest import brand_aws_ready, make_charter, tiny_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(moto_server: str, live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.delenv("MOTO_DISABLE_GLOBAL_CORS", raising=False)
    settings.PUBLIC_API_URL = live_server.url
    port = live_server.url.rsplit(":", 1)[1]
    brand = brand_aws_ready(BrandFactory(slug="queen", domain="queen.example.com", bucket="queen-guest-pages"))
    return {"brand": brand, "origin": f"http://queen.localhost:{port}", "live": live_server.url}


def publish(brand: Any, code: str, starts_in: timedelta) -> Any:
    start = (timezone.now() + starts_in).replace(microsecond=0)
    charter = make_charter(
        brand=brand, status="confirmed", code=code, starts_at=start, ends_at=start + timedelta(hours=3)
    )
    publishing.publish(charter)
    return charter


def test_upload_inside_the_window_then_see_and_hide_it_in_the_admin(
    site: dict[str, Any], phone_page: Any, desktop_page: Any
) -> None:
    charter = publish(site["brand"], "XHQGMDH", timedelta(hours=1))
    page = phone_page
    page.goto(f"{site['origin']}/g/XHQGMDH")
    assert page.locator("h1").inner_text().startswith("Welcome aboard, ")
    assert page.locator("#photo-state").get_attribute("data-state") == "open"
    page.locator("#photo-file").set_input_files(
        files=[{"name": "deck.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    page.get_by_role("button", name="Upload").click()
    # expect() polls without eval: the page's Content-Security-Policy forbids string evaluation.
    expect(page.locator("#photo-result")).to_have_text("Thank you! 1 photo uploaded.")

    photo = GuestPhoto.objects.get(charter=charter)
    assert photo.object_key.startswith("guest-photos/xhqgmdh/") and photo.content_type == "image/png"

    get_user_model().objects.create_superuser("staff", "staff@example.com", "staff-password-123")
    admin = desktop_page
    admin.goto(f"{site['live']}/admin/login/?next=/admin/bookings/charter/{charter.pk}/change/")
    admin.fill("#id_login", "staff")
    admin.fill("#id_password", "staff-password-123")
    admin.click("button[type=submit]")  # the office sign-in (allauth)
    thumb = admin.locator("img.guest-photo-thumb")
    thumb.scroll_into_view_if_needed()
    admin.wait_for_function("document.querySelector('img.guest-photo-thumb').naturalWidth === 2")
    assert photo.object_key in (thumb.get_attribute("src") or "")

    admin.check("input[name='guest_photos-0-hidden']")
    admin.click("input[name='_continue']")
    admin.wait_for_load_state()
    photo.refresh_from_db()
    assert photo.hidden, admin.locator(".errornote, .errorlist").all_inner_texts()


def test_outside_the_window_the_page_says_so_and_the_api_refuses(site: dict[str, Any], phone_page: Any) -> None:
    soon = publish(site["brand"], "SOON22", timedelta(days=3))
    page = phone_page
    page.goto(f"{site['origin']}/g/soon22")
    state = page.locator("#photo-state")
    assert state.get_attribute("data-state") == "not_open"
    assert state.inner_text().startswith("Photo upload opens at ")
    # The browser here runs in UTC; the page still speaks the charter's local time.
    assert state.inner_text().rstrip(".").endswith(("PST", "PDT")), state.inner_text()
    assert page.locator("#photo-form").is_hidden()
    answer = page.evaluate(
        """async (url) => {
            const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                        body: JSON.stringify({content_type: 'image/png', size: 10})});
            return {status: r.status, body: await r.json()};
        }""",
        f"{site['live']}/api/guest/SOON22/photo-upload",
    )
    assert answer["status"] == 403
    assert answer["body"]["state"] == "not_open"
    assert answer["body"]["opens_at"] == (soon.starts_at - timedelta(hours=2)).isoformat()

    publish(site["brand"], "PAST22", timedelta(days=-9))
    page.goto(f"{site['origin']}/g/PAST22/")
    assert page.locator("#photo-state").get_attribute("data-state") == "closed"
    assert page.locator("#photo-state").inner_text().startswith("Photo upload has closed")
    assert page.locator("#photo-form").is_hidden()
