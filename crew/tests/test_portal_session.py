"""Crew sessions read from the cache (``cached_db``, production with Redis) end exactly when they did.

The session's data (who, which backend, the password-hash check) may come from the cache, but the
user and crew-member rows are read afresh on every request, so revoking access, signing out and
expiry all take effect on the next request. Without Redis the sessions stay in the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import cache, caches
from django.test import Client

from crew.models import CrewMember
from crew.tests.portal_support import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("crew_table")]

CACHED_DB = "jada.sessions"  # Django's cached_db, still served when Redis is away
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def cached_sessions(settings: Any) -> None:
    settings.SESSION_ENGINE = CACHED_DB
    cache.clear()


def _session_key(client: Client) -> str:
    return str(client.cookies[django_settings.SESSION_COOKIE_NAME].value)


def _client_with(session_key: str) -> Client:
    """Another browser presenting ``session_key`` (e.g. a copied cookie)."""
    other = Client()
    other.cookies[django_settings.SESSION_COOKIE_NAME] = session_key
    return other


def _on_portal(client: Client) -> bool:
    response = client.get("/crew/")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


@pytest.fixture
def ana_client(client: Client, ana: CrewMember) -> Client:
    sign_in(client, ana)
    assert KEY_PREFIX + _session_key(client) in cache  # the session really is served from the cache
    assert _on_portal(client)
    return client


def test_sign_out_refuses_the_old_cookie_at_once(ana_client: Client) -> None:
    key = _session_key(ana_client)
    assert ana_client.post("/crew/logout/").status_code == 200
    assert KEY_PREFIX + key not in cache
    assert not _on_portal(_client_with(key))


def test_sign_out_ends_the_other_browsers_cached_session(ana_client: Client, ana: CrewMember) -> None:
    phone = Client()
    sign_in(phone, ana)
    assert _on_portal(phone)
    ana_client.post("/crew/logout/")
    assert not _on_portal(phone)  # "sign out" means everywhere, cache or not


def test_sign_out_ends_the_session_even_if_the_cache_keeps_it(
    ana_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis failing mid-sign-out must not leave the session usable: the links are revoked (new
    password hash) before the session is deleted, and the hash check refuses the stale copy."""
    key = _session_key(ana_client)

    def cache_down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("redis went away")

    monkeypatch.setattr(caches["default"], "delete", cache_down)
    response = ana_client.post("/crew/logout/")
    assert response.status_code == 200 and "signed out" in response.content.decode()
    monkeypatch.undo()
    assert KEY_PREFIX + key in cache  # the stale copy is still there ...
    assert not _on_portal(_client_with(key))  # ... and refused


@pytest.mark.parametrize(
    "revoke",
    [
        pytest.param(lambda m: type(m.user).objects.filter(pk=m.user_id).update(is_active=False), id="deactivated"),
        pytest.param(lambda m: m.delete(), id="crew-member-removed"),
        pytest.param(lambda m: type(m.user).objects.filter(pk=m.user_id).update(is_staff=True), id="made-staff"),
    ],
)
def test_revoked_access_is_refused_on_the_next_request(ana_client: Client, ana: CrewMember, revoke: Any) -> None:
    key = _session_key(ana_client)
    revoke(ana)
    assert KEY_PREFIX + key in cache  # the session itself is still cached
    assert ana_client.get("/crew/")["Location"] == "/crew/login/"


def test_an_expired_session_is_refused_though_it_was_cached(client: Client, ana: CrewMember, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 1
    sign_in(client, ana)
    assert _on_portal(client)
    time.sleep(1.2)
    assert not _on_portal(client)


def test_a_session_signed_in_before_the_crew_backend_still_works(client: Client, ana: CrewMember) -> None:
    client.force_login(ana.user, backend="sesame.backends.ModelBackend")
    assert "Hi Ana" in client.get("/crew/").content.decode()


def _session_engine(**env: str) -> str:
    base = {"PATH": os.environ.get("PATH", ""), "JADA_IGNORE_DOTENV": "true", "DJANGO_DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "-c", "from jada import settings; print(settings.SESSION_ENGINE)"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_sessions_use_the_cache_only_when_every_worker_shares_it() -> None:
    assert _session_engine(REDIS_URL="redis://127.0.0.1:6379/0") == CACHED_DB
    assert _session_engine() == "django.contrib.sessions.backends.db"  # `make run`: per-process cache


def test_with_redis_away_crew_are_served_from_the_database_and_can_sign_out(
    ana_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis down: no request fails; the session is read from the database, sign-out still ends it."""
    key = _session_key(ana_client)

    def cache_down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("redis went away")

    for call in ("get", "set", "delete", "has_key"):
        monkeypatch.setattr(caches["default"], call, cache_down)
    assert _on_portal(ana_client)  # read from the database (the cache fill fails too)
    assert ana_client.post("/crew/logout/").status_code == 200
    assert not _on_portal(_client_with(key))
    monkeypatch.undo()
    assert not _on_portal(_client_with(key))  # Redis back: the copy it kept is refused as well
