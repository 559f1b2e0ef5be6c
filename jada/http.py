"""The retry loop both of our JSON API clients share (calendar, SCC), and their per-process cache.

Retries only what a retry can fix — timeouts, refused connections, 5xx (and whatever else a
client lists in ``retried_statuses``) — a few times with short, jittered back-off, then raises
``RemoteError(transient=True)`` so the Celery task's slower back-off takes over. Any other 4xx
is ``transient=False`` (429 ``transient=True``). Credentials live in the client's headers and
never reach an error message or a log line.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import httpx

from jada.errors import RemoteError

ATTEMPTS = 3
Client = TypeVar("Client", bound="JsonApiClient")


class JsonApiClient:
    """An httpx client for one JSON API; ``transport`` lets tests call the real endpoint in-process."""

    service_name = "The service"  # how error messages name the remote side
    retried_statuses: frozenset[int] = frozenset()
    backoff_seconds = 0.1

    def __init__(
        self,
        *,
        headers: dict[str, str],
        transport: httpx.BaseTransport | None,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={**headers, "Accept": "application/json"},
        )
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, url: str, *, allow: frozenset[int] = frozenset(), **kwargs: Any) -> httpx.Response:
        """The response (2xx/3xx or a status in ``allow``), or ``RemoteError`` saying what went wrong."""
        problem = ""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TimeoutException:
                problem = f"timed out after {attempt} attempt(s)"
            except httpx.TransportError as exc:
                problem = f"could not be reached ({type(exc).__name__})"
            else:
                status = response.status_code
                if status < 400 or status in allow:
                    return response
                if status < 500 and status not in self.retried_statuses:
                    raise RemoteError(
                        f"{self.service_name} refused {method} ({status}): {response_reason(response)}",
                        transient=status == 429,
                    )
                problem = f"answered {status}: {response_reason(response)}"
            if attempt < ATTEMPTS:
                self._sleep(random.uniform(0, self.backoff_seconds * 2**attempt))
        raise RemoteError(f"{self.service_name} {problem}.", transient=True)

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise RemoteError(
                f"{self.service_name} answered with something that is not JSON.", transient=False
            ) from None
        if not isinstance(data, dict):
            raise RemoteError(f"{self.service_name} answered with JSON that is not an object.", transient=False)
        return data


def response_reason(response: httpx.Response) -> str:
    """The remote side's ``{"error": ...}`` text (truncated), else the HTTP reason phrase."""
    try:
        data = response.json()
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            return str(data["error"])[:200]
    except ValueError:
        pass
    return response.reason_phrase or "no reason given"


_shared: dict[str, tuple[tuple[Hashable, ...], float, Any]] = {}
_shared_lock = threading.Lock()


def secret_digest(secret: str | None) -> str:
    """A stand-in for a secret in a cache key, so the key never holds the secret itself."""
    return hashlib.sha256((secret or "").encode()).hexdigest()


def shared_client(
    name: str, *, settings_key: tuple[Hashable, ...], build: Callable[[], Client], max_age: float | None = None
) -> Client:
    """This process's client ``name``, built by ``build()`` once and reused.

    Building an ``httpx.Client`` costs tens of milliseconds (it loads the SSL context even for
    ``http://``) — more than the request itself on a warm worker. It is rebuilt when
    ``settings_key`` (what it was built from: URL, a digest of the credential, timeout) changes,
    after ``max_age`` seconds (a key read from a secret store), and in a forked child, which must
    never share its parent's connection pool. ``build()`` raising (misconfiguration) caches
    nothing, so every call says so again.
    """
    key = (os.getpid(), *settings_key)
    now = time.monotonic()
    with _shared_lock:
        cached_key, built_at, client = _shared.get(name, ((), 0.0, None))
        if client is None or cached_key != key or (max_age is not None and now - built_at > max_age):
            client = build()
            # Replaced, not closed: another thread may still be using it; its sockets go with it.
            _shared[name] = (key, now, client)
        return client
