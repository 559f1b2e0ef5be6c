"""The office's second factor: no admin page without it, and a fresh one before sensitive changes.

Staff sign in through django-allauth (``/accounts/login/``): password, then the second factor —
a passkey (WebAuthn) or a TOTP code, with recovery codes as the fallback; never SMS. django-axes
counts failures per account and per address and locks out without saying so. The rules kept
here, in one middleware so that no admin view can forget them:

* the stock ``/admin/login/`` never signs anyone in: it redirects to the allauth login;
* a signed-in user who is not staff (a crew member's magic-link session) gets 403 on ``/admin/``;
* staff with no second factor enrolled are sent to enrol before any admin page opens; staff
  whose session has not passed the second factor are sent to pass it;
* a POST that exports data, changes a brand's bucket, region or distribution, or changes users
  or groups (who may do what) needs a second factor passed within ``FRESH_SECONDS``; otherwise
  the request is suspended, the second factor asked, and the request replayed.

``JADA_REQUIRE_2FA=false`` (only accepted together with ``DJANGO_DEBUG=true``) turns all of this
off for the local demo.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.account.internal.flows.reauthentication import suspend_request
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.urls import reverse

FRESH_SECONDS = 300
ADMIN_PREFIX = "/admin/"
# Brand fields whose change re-points where guest pages go.
BRAND_SENSITIVE_FIELDS = ("bucket", "region", "distribution_id")


class OfficeAccountAdapter(DefaultAccountAdapter):
    """Office accounts are created by an administrator, never by signing up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class PasswordLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout, for password sign-ins only: crew magic links (django-sesame calls
    ``authenticate`` with a token and no request) have their own limits in crew/portal_auth.py."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if password is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _second_factor_records(request: HttpRequest) -> list[dict[str, Any]]:
    return [r for r in get_authentication_records(request, request.user) if r.get("method") == "mfa"]


def office_session_verified(request: HttpRequest) -> bool:
    """An active staff user whose session passed the second factor (or 2FA is off for the demo)."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return not settings.JADA_REQUIRE_2FA or bool(_second_factor_records(request))


def second_factor_is_fresh(request: HttpRequest) -> bool:
    if not settings.JADA_REQUIRE_2FA:
        return True
    records = _second_factor_records(request)
    return bool(records) and time.time() - float(records[-1]["at"]) < FRESH_SECONDS


def is_sensitive(request: HttpRequest) -> bool:
    """A POST that exports data, re-points a brand's publishing, or changes who may do what."""
    if request.method != "POST" or not request.path.startswith(ADMIN_PREFIX):
        return False
    path = request.path[len(ADMIN_PREFIX) :]
    if path.startswith(("auth/user/", "auth/group/")):
        return True
    if "export" in path or "export" in request.POST.get("action", ""):
        return True
    if path.startswith("bookings/brand/") and (path.endswith("/change/") or path.endswith("/add/")):
        from bookings.models import Brand

        brand_id = path.split("/")[2]
        brand = Brand.objects.filter(pk=brand_id).first() if brand_id.isdigit() else None
        return brand is None or any(
            str(request.POST.get(field, "")).strip() != str(getattr(brand, field)) for field in BRAND_SENSITIVE_FIELDS
        )
    return False


def _redirect(name: str, next_path: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_path})}")


class OfficeSecondFactorMiddleware:
    """Guards every ``/admin/`` request (see the module docstring). After AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.refusal(request) if request.path.startswith(ADMIN_PREFIX) else None
        return refusal or self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path
        if path == reverse("admin:login"):
            # The stock admin login would bypass the second factor and the lockout.
            return _redirect("account_login", request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"))
        user = request.user
        if not user.is_authenticated:
            return None  # the admin sends it to admin:login, which comes back here
        if not user.is_staff or not user.is_active:
            return HttpResponseForbidden("The office admin is for office staff only.")
        if not settings.JADA_REQUIRE_2FA or path == reverse("admin:logout"):
            return None
        if not Authenticator.objects.filter(user=user).exists():
            messages.warning(request, "Set up a second factor (a passkey or an authenticator app) to open the admin.")
            return _redirect("mfa_index", request.get_full_path())
        if not _second_factor_records(request):
            return _redirect("mfa_reauthenticate", request.get_full_path())
        if is_sensitive(request) and not second_factor_is_fresh(request):
            messages.info(request, "Confirm with your second factor; your change is then applied.")
            return suspend_request(request, reverse("mfa_reauthenticate"))
        return None


@receiver(authenticator_added, dispatch_uid="jada.mfa.enrolment_counts_as_second_factor")
def _enrolment_counts_as_second_factor(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any
) -> None:
    """Activating a TOTP or passkey proves possession of it, so the session has passed the second
    factor; without this the person enrolling is asked for the code they just typed again."""
    if request is not None and getattr(request, "user", None) == user:
        record_authentication(request, user, "mfa", type=authenticator.type, enrolled=True)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """django-axes' lockout answer: exactly what a wrong password gets (the login form saying the
    username or password is not correct), so a locked account or address is not revealed."""
    if original_response is not None:
        return original_response
    return _redirect("account_login", reverse("admin:index"))


def client_ip(request: HttpRequest) -> str:
    """The caller's address for the lockout. Behind our proxy (DJANGO_BEHIND_PROXY) it is the last
    X-Forwarded-For hop, the one the proxy added; otherwise the socket's peer."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.SECURE_PROXY_SSL_HEADER and forwarded:
        return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))
