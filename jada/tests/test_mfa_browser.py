"""In a browser: password-only staff reach no admin page until they enrol; with a TOTP code they do."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from jada.tests.test_mfa import PASSWORD, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_password_only_staff_must_enrol_and_then_get_in_with_a_totp_code(
    desktop_page: Any, live_server: Any, settings: Any
) -> None:
    settings.JADA_REQUIRE_2FA = True
    User.objects.create_superuser("dana", "dana@sailjada.com", PASSWORD)
    page, base = desktop_page, live_server.url

    page.goto(f"{base}/admin/bookings/charter/")
    expect(page.get_by_role("heading", name="Office sign-in")).to_be_visible()
    page.fill("#id_login", "dana")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_text("Set up a second factor")).to_be_visible()

    # Password only: no admin page opens, and the stock admin login is no way round.
    for path in ("/admin/", "/admin/bookings/charter/", "/admin/auth/user/", "/admin/login/"):
        page.goto(f"{base}{path}")
        assert "/accounts/2fa/" in page.url, (path, page.url)
        expect(page.locator("#site-name")).to_have_text("JADA Ops")
        expect(page.get_by_text("Site administration")).to_have_count(0)

    page.goto(f"{base}/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:  # allauth asks the password again before adding a factor
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("#id_code", totp_now(secret))
    page.click("button[type=submit]")

    page.goto(f"{base}/admin/")
    expect(page.locator("#site-name")).to_contain_text("JADA Ops")
    expect(page.locator("#user-tools")).to_contain_text("dana")
