"""The client of the internal calendar API (``CALENDAR_API_URL``, ``X-Dashboard-Token``).

In one deployment it calls this project's own ``/api/calendar``; in another the legacy
dashboard. It retries only what a retry can fix — 5xx answers, timeouts and refused
connections — a few times with short back-off, then raises ``RemoteError(transient=True)`` so
the Celery task's slower back-off takes over. Anything else (4xx) is ``transient=False``.
The token is sent, never logged or put into an error message.

``calendar_client()`` is what the flow uses: one client per process (``jada.http.shared_client``),
rebuilt when the URL, token or timeout changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
from django.conf import settings

from jada.errors import ConfigurationError, RemoteError
from jada.http import JsonApiClient, secret_digest, shared_client


class CalendarClient(JsonApiClient):
    """Talks to one calendar API; ``transport`` lets tests call the real endpoint in-process."""

    service_name = "The calendar"
    retried_statuses = frozenset({429})

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
        super().__init__(
            headers={"X-Dashboard-Token": token},
            transport=transport,
            timeout=timeout or settings.HTTP_CLIENT_TIMEOUT_SECONDS,
            sleep=sleep,
        )

    # --- the API ---------------------------------------------------------------------------
    def entry_upsert(self, payload: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """Create or update the entry of ``payload["charter_id"]``; returns the stored entry."""
        response = self._send("POST", self.base_url, json=payload, headers={"Idempotency-Key": idempotency_key})
        return self._json(response)

    def entry_delete(self, charter_id: str) -> bool:
        """Remove the entry; True if one was removed, False if there was none (already gone is fine)."""
        response = self._send("DELETE", f"{self.base_url}/{charter_id}", allow=frozenset({404}))
        return response.status_code != 404

    def entry_get(self, charter_id: str) -> dict[str, Any] | None:
        response = self._send("GET", f"{self.base_url}/{charter_id}", allow=frozenset({404}))
        return None if response.status_code == 404 else self._json(response)

    def entries_between(self, start: date, end: date) -> list[dict[str, Any]]:
        response = self._send("GET", self.base_url, params={"from": start.isoformat(), "to": end.isoformat()})
        entries = self._json(response).get("entries")
        if not isinstance(entries, list):
            raise RemoteError("The calendar answered without an entries list.", transient=False)
        return entries


def calendar_client() -> CalendarClient:
    """This process's client for the configured calendar; ``ConfigurationError`` if no token is set."""
    return shared_client(
        "calendar",
        settings_key=(
            str(settings.CALENDAR_API_URL),
            secret_digest(settings.DASHBOARD_TOKEN),
            settings.HTTP_CLIENT_TIMEOUT_SECONDS,
        ),
        build=CalendarClient,
    )
