"""The office's second factor: no admin page without it, the stock login cannot skip it, lockout
reveals nothing, and sensitive changes need a fresh second factor."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.contrib.auth.models import User
from django.test import Client

from bookings.tests.factories import BrandFactory

PASSWORD = "office-pass-0123456789"
ADMIN_PAGES = ["/admin/", "/admin/bookings/charter/", "/admin/bookings/brand/", "/admin/auth/user/"]
WRONG = "The username and/or password you specified are not correct."


def totp_now(secret: str) -> str:
    """The current code, computed with allauth's own TOTP function."""
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


@pytest.fixture(autouse=True)
def second_factor_on(settings: Any) -> None:
    settings.JADA_REQUIRE_2FA = True


# Enrolment tells the session through allauth's on-commit signal: those tests need real commits.
enrols = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(db: Any) -> User:
    return User.objects.create_superuser("dana", "dana@sailjada.com", PASSWORD)


def sign_in(client: Client, username: str = "dana", password: str = PASSWORD) -> Any:
    return client.post("/accounts/login/", {"login": username, "password": password})


def enrol_totp(client: Client) -> str:
    """Activate an authenticator app the way a person does; returns its secret."""
    page = client.get("/accounts/2fa/totp/activate/")
    if page.status_code == 302 and "/reauthenticate/" in page["Location"]:
        client.post(page["Location"], {"password": PASSWORD})
        page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200, page
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.content.decode())
    if secret is None:
        secret = re.search(r'value="([A-Z2-7]{32})"', page.content.decode())
    assert secret, "the activation page shows the secret"
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_now(secret.group(1))})
    assert response.status_code == 302, response.content[-2000:]
    return secret.group(1)


def test_the_stock_admin_login_sends_to_the_office_sign_in(client: Client, staff: User) -> None:
    response = client.get("/admin/login/?next=/admin/bookings/charter/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fbookings%2Fcharter%2F"
    # Posting a correct password to it signs nobody in.
    client.post("/admin/login/", {"username": "dana", "password": PASSWORD})
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_password_only_staff_reach_no_admin_page_until_enrolled(client: Client, staff: User, path: str) -> None:
    assert sign_in(client).status_code == 302
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/?next=")


@enrols
def test_enrolled_with_a_totp_code_the_admin_opens(client: Client, staff: User) -> None:
    sign_in(client)
    enrol_totp(client)
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200


@enrols
def test_next_sign_in_asks_the_second_factor_and_a_recovery_code_works(client: Client, staff: User) -> None:
    sign_in(client)
    enrol_totp(client)
    client.post("/accounts/logout/")
    response = sign_in(client)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")  # password alone: not signed in
    codes = RecoveryCodes(Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES))
    client.post("/accounts/2fa/authenticate/", {"code": codes.get_unused_codes()[0]})
    assert client.get("/admin/").status_code == 200


@enrols
def test_a_session_signed_in_without_the_factor_is_sent_to_pass_it(client: Client, staff: User) -> None:
    sign_in(client)
    enrol_totp(client)
    other = Client()
    other.force_login(staff)  # e.g. a session from before enrolment
    response = other.get("/admin/bookings/charter/")
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/?next=")


def test_lockout_per_account_reveals_nothing(client: Client, staff: User, settings: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert WRONG in sign_in(client, password="wrong-password").content.decode()
    locked = sign_in(client)  # the right password, now refused exactly like a wrong one
    assert locked.status_code == 200
    assert WRONG in locked.content.decode()
    assert "locked" not in locked.content.decode().lower()
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_lockout_per_address_across_accounts(client: Client, staff: User, settings: Any) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, username=f"guess{n}", password="wrong-password")
    assert WRONG in sign_in(client).content.decode()
    # Another address may still sign in to that account.
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_in(elsewhere).status_code == 302


@enrols
def test_changing_a_brand_bucket_needs_a_fresh_second_factor(client: Client, staff: User) -> None:
    import time

    from allauth.account.internal.flows import login as login_flow

    brand = BrandFactory(slug="qsd", bucket="qsd-guest-pages")
    sign_in(client)
    enrol_totp(client)
    # Age the session's second factor past the freshness window.
    session = client.session
    records = session[login_flow.AUTHENTICATION_METHODS_SESSION_KEY]
    for record in records:
        record["at"] = time.time() - 3600
    session[login_flow.AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()

    url = f"/admin/bookings/brand/{brand.pk}/change/"
    form = client.get(url)
    assert form.status_code == 200  # reading is fine
    data = {
        field: getattr(brand, field)
        for field in ("name", "slug", "domain", "time_zone", "region", "distribution_id", "guest_page_key_template")
    }
    data |= {
        "bucket": "somewhere-else",
        "photo_window_opens_before": "02:00:00",
        "photo_window_closes_after": "7 00:00:00",
        "theme_primary_color": brand.theme_primary_color,
        "theme_accent_color": brand.theme_accent_color,
        "contact_line": brand.contact_line,
        "theme_logo_url": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/?next=")
    brand.refresh_from_db()
    assert brand.bucket == "qsd-guest-pages"

    # This period's TOTP code was spent on activation (codes are single-use); a recovery code works.
    codes = RecoveryCodes(Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES))
    resumed = client.post(response["Location"], {"code": codes.get_unused_codes()[0]})
    assert resumed.status_code == 302
    brand.refresh_from_db()
    assert brand.bucket == "somewhere-else", "the suspended change is applied after the second factor"


def test_editing_theme_only_needs_no_fresh_factor(client: Client, staff: User) -> None:
    from jada.mfa import is_sensitive

    brand = BrandFactory(slug="qsd", bucket="qsd-guest-pages", region="us-east-1")
    from django.test import RequestFactory

    same = {"bucket": brand.bucket, "region": brand.region, "distribution_id": brand.distribution_id}
    post = RequestFactory().post(f"/admin/bookings/brand/{brand.pk}/change/", {**same, "contact_line": "new"})
    assert not is_sensitive(post)
    moved = RequestFactory().post(f"/admin/bookings/brand/{brand.pk}/change/", {**same, "distribution_id": "E999"})
    assert is_sensitive(moved)
    assert is_sensitive(RequestFactory().post("/admin/auth/user/1/change/", {"is_superuser": "on"}))
