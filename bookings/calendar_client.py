"""The client of the internal calendar API (``CALENDAR_API_URL``, ``X-Dashboard-Token``).

In one deployment it calls this project's own ``/api/calendar``; in another the legacy
dashboard. It retries only what a retry can fix — 5xx answers, timeouts and refused
connections — a few times with short back-off, then raises ``RemoteError(transient=True)`` so
the Celery task's slower back-off takes over. Anything else (4xx) is ``transient=False``.
The token is sent, never logged or put into an error message.

``calendar_client()`` is what the flow uses: one client per process, because building an
``httpx.Client`` costs tens of milliseconds (it loads the SSL context even for ``http://``) —
more than the request itself on a warm worker. It is keyed by URL, token and timeout, so a
settings change (tests, a reconfigured deployment) gets a new client, and by process id, so a
forked worker never shares its parent's connection pool.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
from django.conf import settings

from jada.errors import ConfigurationError, RemoteError

ATTEMPTS = 3


class CalendarClient:
    """Talks to one calendar API; ``transport`` lets tests call the real endpoint in-process."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = str(base_url or settings.CALENDAR_API_URL).rstrip("/")
        token = token if token is not None else settings.DASHBOARD_TOKEN
        if not token:
            raise ConfigurationError(
                "DASHBOARD_TOKEN is not set, so the calendar cannot be called. Set it to the calendar API's token."
            )
        seconds = timeout or settings.HTTP_CLIENT_TIMEOUT_SECONDS
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(seconds, connect=min(seconds, 5.0)),
            headers={"X-Dashboard-Token": token, "Accept": "application/json"},
        )
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CalendarClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the API ---------------------------------------------------------------------------
    def entry_upsert(self, payload: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """Create or update the entry of ``payload["charter_id"]``; returns the stored entry."""
        response = self._request("POST", self.base_url, json=payload, headers={"Idempotency-Key": idempotency_key})
        return self._json(response)

    def entry_delete(self, charter_id: str) -> bool:
        """Remove the entry; True if one was removed, False if there was none (already gone is fine)."""
        response = self._request("DELETE", f"{self.base_url}/{charter_id}", allow=frozenset({404}))
        return response.status_code != 404

    def entry_get(self, charter_id: str) -> dict[str, Any] | None:
        response = self._request("GET", f"{self.base_url}/{charter_id}", allow=frozenset({404}))
        return None if response.status_code == 404 else self._json(response)

    def entries_between(self, start: date, end: date) -> list[dict[str, Any]]:
        response = self._request("GET", self.base_url, params={"from": start.isoformat(), "to": end.isoformat()})
        entries = self._json(response).get("entries")
        if not isinstance(entries, list):
            raise RemoteError("The calendar answered without an entries list.", transient=False)
        return entries

    # --- plumbing --------------------------------------------------------------------------
    def _request(self, method: str, url: str, *, allow: frozenset[int] = frozenset(), **kwargs: Any) -> httpx.Response:
        problem = ""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TimeoutException:
                problem = f"timed out after {attempt} attempt(s)"
            except httpx.TransportError as exc:
                problem = f"could not be reached ({type(exc).__name__})"
            else:
                if response.status_code < 400 or response.status_code in allow:
                    return response
                if response.status_code < 500 and response.status_code != 429:
                    raise RemoteError(
                        f"The calendar refused {method} ({response.status_code}): {_reason(response)}",
                        transient=False,
                    )
                problem = f"answered {response.status_code}: {_reason(response)}"
            if attempt < ATTEMPTS:
                self._sleep(random.uniform(0, 0.1 * 2**attempt))
        raise RemoteError(f"The calendar {problem}.", transient=True)

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise RemoteError("The calendar answered with something that is not JSON.", transient=False) from None
        if not isinstance(data, dict):
            raise RemoteError("The calendar answered with JSON that is not an object.", transient=False)
        return data


_shared: dict[tuple[object, ...], CalendarClient] = {}
_shared_lock = threading.Lock()


def calendar_client() -> CalendarClient:
    """This process's client for the configured calendar; ``ConfigurationError`` if no token is set."""
    token = settings.DASHBOARD_TOKEN or ""
    key = (
        os.getpid(),
        str(settings.CALENDAR_API_URL),
        hashlib.sha256(token.encode()).hexdigest(),  # the key never holds the secret itself
        settings.HTTP_CLIENT_TIMEOUT_SECONDS,
    )
    client = _shared.get(key)
    if client is None:
        with _shared_lock:
            client = _shared.get(key)
            if client is None:
                client = CalendarClient()  # raises before anything is cached when misconfigured
                # Replaced, not closed: another thread may still be using it; its sockets go with it.
                _shared.clear()
                _shared[key] = client
    return client


def _reason(response: httpx.Response) -> str:
    try:
        data = response.json()
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            return data["error"][:200]
    except ValueError:
        pass
    return response.reason_phrase or "no reason given"
