"""The SCC client the booking flow uses to record crew events (``SCC_API_URL``, ``X-Service-Key``).

Why it is careful about where it points: CloudFront (and so every brand's public domain, which
sits behind it) strips custom request headers such as ``X-Service-Key`` unless a policy
forwards them — the request then arrives without a key and fails as "unauthorised" with nothing
pointing at the cause. The client therefore refuses a base URL on ``*.cloudfront.net`` or on any
brand's domain, and says why. Call the API directly (this project, or the legacy API Gateway).

Retries: only what a retry can fix — 5xx answers, timeouts and connection failures — a few
times with short back-off, then ``RemoteError(transient=True)`` so the Celery task's slower
back-off takes over. A 4xx is never retried (``transient=False``; 429 is ``transient=True``
but left to the task). Each request carries an ``Idempotency-Key`` derived from its content.
The key is sent, never logged or put into an error message.

``scc_client()`` is what the flow uses: one client per process (``jada.http.shared_client``),
rebuilt when the settings it was built from change. A key read from Secrets Manager is re-read every
``SECRET_KEY_TTL_SECONDS`` so a rotation is picked up without a restart.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from jada.aws import aws_client, aws_is_transient
from jada.brand_domains import brand_domains
from jada.errors import ConfigurationError, RemoteError
from jada.http import JsonApiClient, secret_digest, shared_client

CDN_SUFFIXES = (".cloudfront.net",)
SECRET_KEY_TTL_SECONDS = 300
EVENTS_PER_REQUEST = 100  # what the SCC API reads in one request (one BatchGetItem)


def scc_base_url_check(base_url: str) -> str:
    """``base_url`` without a trailing slash, or ``ConfigurationError`` if it is on a CDN domain."""
    host = (urlsplit(base_url).hostname or "").lower().rstrip(".")
    if not host:
        raise ConfigurationError(
            f"SCC_API_URL={base_url!r} is not an absolute URL; use e.g. https://scc.example.com/api/scc."
        )
    on_brand = any(host == d or host.endswith("." + d) for d in brand_domains())
    if host.endswith(CDN_SUFFIXES) or on_brand:
        raise ConfigurationError(
            f"SCC_API_URL points at {host}, which is served through CloudFront. CloudFront strips the "
            "X-Service-Key header, so every call would be refused as unauthorised. Point SCC_API_URL at the "
            "SCC API directly (this server's own /api/scc or the API Gateway URL), not at a CDN or brand domain."
        )
    return base_url.rstrip("/")


def scc_service_key() -> str:
    """The key: ``SCC_SERVICE_KEY``, else the secret ``SCC_SERVICE_KEY_SECRET_ID`` in Secrets Manager."""
    if settings.SCC_SERVICE_KEY:
        return str(settings.SCC_SERVICE_KEY)
    secret_id = settings.SCC_SERVICE_KEY_SECRET_ID
    if not secret_id:
        raise ConfigurationError(
            "No SCC service key: set SCC_SERVICE_KEY, or SCC_SERVICE_KEY_SECRET_ID to a Secrets Manager secret holding it."
        )
    try:
        secret = aws_client("secretsmanager").get_secret_value(SecretId=secret_id).get("SecretString") or ""
    except (BotoCoreError, ClientError) as exc:
        raise RemoteError(
            f"Could not read the SCC service key from Secrets Manager ({type(exc).__name__}).",
            transient=aws_is_transient(exc),
        ) from None
    try:
        parsed = json.loads(secret)
    except ValueError:
        parsed = secret
    if isinstance(parsed, dict):
        parsed = parsed.get("SCC_SERVICE_KEY") or parsed.get("key") or ""
    if not isinstance(parsed, str) or not parsed.strip():
        raise ConfigurationError(f'The secret {secret_id} holds no service key (a string, or JSON with "key").')
    return parsed.strip()


class SccClient(JsonApiClient):
    """Talks to one SCC API; ``transport`` lets tests call the real endpoint in-process."""

    service_name = "SCC"
    backoff_seconds = 0.2

    def __init__(
        self,
        base_url: str | None = None,
        key: str | None = None,
        transport: httpx.BaseTransport | None = None,
        *,
        timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = scc_base_url_check(str(base_url or settings.SCC_API_URL))
        super().__init__(
            headers={"X-Service-Key": key if key is not None else scc_service_key()},
            transport=transport,
            timeout=timeout or settings.HTTP_CLIENT_TIMEOUT_SECONDS,
            sleep=sleep,
        )

    # --- the API ---------------------------------------------------------------------------
    def event_upsert(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Create or update the event of ``payload["charter_ref"]``; returns the stored event (with ``id``)."""
        return self._json(self._request("POST", f"{self.base_url}/events", json=payload))

    def event_get(self, event_id: str) -> dict[str, Any] | None:
        response = self._request("GET", self._event_url(event_id), allow=frozenset({404}))
        return None if response.status_code == 404 else self._json(response)

    def event_find(self, charter_ref: str) -> dict[str, Any] | None:
        """The event of ``charter_ref``, or None."""
        found = self._json(self._request("GET", f"{self.base_url}/events", params={"charter_ref": charter_ref}))
        events = found.get("events")
        return events[0] if isinstance(events, list) and events and isinstance(events[0], dict) else None

    def events_find(self, charter_refs: list[str], *, in_flight: int = 1) -> dict[str, dict[str, Any]] | None:
        """The events of ``charter_refs`` by charter_ref (absent: no event), 100 a request and up to
        ``in_flight`` requests at once; None when the server reads only one reference per request
        (a legacy SCC): ask one by one."""
        chunks = [charter_refs[i : i + EVENTS_PER_REQUEST] for i in range(0, len(charter_refs), EVENTS_PER_REQUEST)]
        if not chunks:
            return {}
        found = self._events_chunk(chunks[0])  # a legacy SCC is told apart here, and not asked again
        if found is None or len(chunks) == 1:
            return found
        # The others in_flight at a time (an httpx.Client may be shared between threads).
        with ThreadPoolExecutor(max_workers=max(1, in_flight), thread_name_prefix="scc-read") as pool:
            for answer in pool.map(self._events_chunk, chunks[1:]):
                if answer is None:
                    return None
                found.update(answer)
        return found

    def _events_chunk(self, chunk: list[str]) -> dict[str, dict[str, Any]] | None:
        answer = self._json(self._request("GET", f"{self.base_url}/events", params={"charter_ref": chunk}))
        events = answer.get("events")
        if answer.get("looked_up") != len(chunk) or not isinstance(events, list):
            return None
        return {str(e.get("charter_ref", "")).upper(): e for e in events if isinstance(e, dict)}

    def event_patch(self, event_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self._json(self._request("PATCH", self._event_url(event_id), json=changes))

    def event_cancel(self, event_id: str) -> dict[str, Any] | None:
        """Cancel the event (crew are told); None when there is no such event (nothing to cancel)."""
        response = self._request("DELETE", self._event_url(event_id), allow=frozenset({404}))
        return None if response.status_code == 404 else self._json(response)

    # --- plumbing --------------------------------------------------------------------------
    def _event_url(self, event_id: str) -> str:
        return f"{self.base_url}/events/{quote(str(event_id), safe='')}"

    def _request(self, method: str, url: str, *, allow: frozenset[int] = frozenset(), **kwargs: Any) -> httpx.Response:
        # The same request always carries the same key, so a retried upsert is recognisable.
        content = json.dumps(kwargs.get("json"), sort_keys=True, default=str)
        idempotency_key = hashlib.sha256(f"{method} {url} {content}".encode()).hexdigest()[:32]
        return self._send(method, url, allow=allow, headers={"Idempotency-Key": idempotency_key}, **kwargs)


def scc_client() -> SccClient:
    """This process's client for the configured SCC API (checked against CDN/brand domains every call;
    the domains are read once per brands version: ``jada.brand_domains``)."""
    base_url = scc_base_url_check(str(settings.SCC_API_URL))
    from_secret = not settings.SCC_SERVICE_KEY
    return shared_client(
        "scc",
        settings_key=(
            base_url,
            secret_digest(settings.SCC_SERVICE_KEY),
            settings.SCC_SERVICE_KEY_SECRET_ID,
            settings.HTTP_CLIENT_TIMEOUT_SECONDS,
        ),
        build=lambda: SccClient(base_url),
        max_age=SECRET_KEY_TTL_SECONDS if from_secret else None,
    )
