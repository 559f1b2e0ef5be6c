"""Signing crew in and out of the portal with magic links (django-sesame), and who counts as crew.

The threat model, so nobody "simplifies" it later:

* **No account enumeration.** ``/crew/login/`` answers exactly the same page whether or not the
  address belongs to a crew member (or an inactive one); only the mailbox learns the difference.
  Rate limits count every address, known or not, so they reveal nothing either.
* **Rate limits** (Django cache, shared by all workers): per address and per client, so nobody
  can flood a crew member's inbox or spray addresses. Over the limit: 429, same for everyone.
* **Links are never used up by a GET.** Mail scanners fetch links; the link opens a page with a
  Sign in button and only its POST logs in. The page sends ``Referrer-Policy: no-referrer`` and
  ``Cache-Control: no-store`` so the token in its URL leaks nowhere.
* **Which links fail**: expired (``SESAME_MAX_AGE``), tampered, made for another scope, issued
  before the person last signed out (``crew_links_revoke``), for a deactivated user, and for
  anyone who is not a crew member or is office staff (a crew link must never open an admin
  session). All fail with the same friendly page offering a new link.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import login, logout
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from sesame.utils import get_user

from crew.links import crew_login_link
from crew.models import CrewMember
from crew.portal.services import crew_links_revoke
from jada.ratelimit import attempt_count, client_address

logger = logging.getLogger(__name__)

RATE_WINDOW_SECONDS = 15 * 60
RATE_PER_ADDRESS = 3
RATE_PER_CLIENT = 20
TOKEN_MAX_LENGTH = 256
# Crew sessions name this backend: it loads the crew member with the user (crew/portal/backends.py).
SESAME_BACKEND = "crew.portal.backends.CrewLinkBackend"


class LinkRequestForm(forms.Form):
    email = forms.EmailField(label="Your e-mail address", max_length=254)


# --- who is crew ---------------------------------------------------------------------------------
def portal_member(request: HttpRequest) -> CrewMember | None:
    """The signed-in crew member, or None (anonymous, inactive, office staff, or not crew)."""
    user: Any = request.user
    if not user.is_authenticated or not user.is_active or user.is_staff or user.is_superuser:
        return None
    try:
        # Loaded with the user by CrewLinkBackend (one query for both); a session signed in
        # through another backend loads it here.
        member: CrewMember = user.crew_member
    except CrewMember.DoesNotExist:
        return None
    return member


def crew_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run ``view(request, member, ...)`` for a crew session; send anyone else to sign in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        member = portal_member(request)
        if member is None:
            return redirect("crew:login")
        response = view(request, member, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapper


def _link_member(token: str) -> CrewMember | None:
    """The crew member a portal link belongs to, if the link is good for signing in now."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    user = get_user(token, scope=settings.CREW_PORTAL_SCOPE, update_last_login=False)
    if user is None or not user.is_active or user.is_staff or user.is_superuser:
        return None
    try:
        member: CrewMember = user.crew_member  # joined by CrewLinkBackend.get_user
    except CrewMember.DoesNotExist:
        return None
    return member


# --- rate limits ---------------------------------------------------------------------------------
def _over_limit(kind: str, value: str, limit: int) -> bool:
    """Count one attempt for ``value``; True once more than ``limit`` happened in the window."""
    return attempt_count(scope=f"crew-login:{kind}", subject=value, window_seconds=RATE_WINDOW_SECONDS) > limit


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# --- views ---------------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_request(request: HttpRequest) -> HttpResponse:
    """Ask for a magic link. The answer never depends on whether the address is crew."""
    if request.method != "POST":
        if portal_member(request) is not None:
            return redirect("crew:home")
        return render(request, "crew/portal/login.html", {"form": LinkRequestForm()})
    if _over_limit("client", client_address(request), _limit("CREW_LOGIN_RATE_PER_CLIENT", RATE_PER_CLIENT)):
        return _too_many(request)
    form = LinkRequestForm(request.POST)
    if not form.is_valid():
        return render(request, "crew/portal/login.html", {"form": form}, status=400)
    email = form.cleaned_data["email"].strip().lower()
    if _over_limit("address", email, _limit("CREW_LOGIN_RATE_PER_ADDRESS", RATE_PER_ADDRESS)):
        return _too_many(request)
    member = CrewMember.objects.filter(email__iexact=email).select_related("user").first()
    if member is not None and member.user.is_active and not (member.user.is_staff or member.user.is_superuser):
        _send_link(member)
    return render(request, "crew/portal/login_sent.html", {"form": LinkRequestForm()})


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "crew/portal/rate_limited.html", {"minutes": RATE_WINDOW_SECONDS // 60}, status=429)
    response["Retry-After"] = str(RATE_WINDOW_SECONDS)
    return response


def _send_link(member: CrewMember) -> None:
    context = {
        "member": member,
        "link": crew_login_link(member),
        "link_minutes": int(settings.SESAME_MAX_AGE.total_seconds() // 60),
    }
    body = render_to_string("crew/portal/email_link.txt", context)
    try:
        send_mail("Your JADA crew sign-in link", body, None, [member.email])
    except Exception:
        # Same page either way (no enumeration); the office sees the failure in the log.
        logger.exception("Could not e-mail a crew sign-in link to crew member %s", member.pk)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_confirm(request: HttpRequest) -> HttpResponse:
    """GET: a page with a Sign in button (never signs in). POST: check the link and sign in."""
    token_name = settings.SESAME_TOKEN_NAME
    source = request.POST if request.method == "POST" else request.GET
    token = source.get(token_name, "")
    member = _link_member(token)
    if member is None:
        response = render(request, "crew/portal/link_invalid.html", {"form": LinkRequestForm()}, status=400)
    elif request.method != "POST":
        response = render(request, "crew/portal/confirm.html", {"token": token, "token_name": token_name})
    else:
        login(request, member.user, backend=SESAME_BACKEND)
        response = HttpResponseRedirect(reverse("crew:home"), status=303)
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """POST signs out and revokes this person's outstanding links; GET just goes home."""
    if request.method == "GET":
        return redirect("crew:home")
    member = portal_member(request)
    if member is not None:
        # First: a new password hash also ends this session (its hash no longer matches), even
        # if deleting it from the session cache failed below.
        crew_links_revoke(member=member)
    logout(request)
    return render(request, "crew/portal/signed_out.html", {"form": LinkRequestForm()})
