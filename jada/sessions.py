"""Sessions read from Redis with the database behind them, still served when Redis is away.

Django's ``cached_db`` already reads a session from the database when the cache cannot be read,
and logs a cache write that fails on save; but filling the cache after such a miss, and deleting
a session from it (sign-out), raise, so every request failed while Redis was down. Here each
cache call that fails is logged and the database answers alone: the site keeps working, slower.

A sign-out whose cache delete fails leaves the cached copy until it expires (logged at ERROR);
crew sign-out revokes the links first, so a crew member's stale copy is refused anyway.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache import caches

logger = logging.getLogger(__name__)


class _Forgiving:
    """A cache whose failures are logged misses, for the session store only."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self._cache.get(key, default)
        except Exception as exc:  # the cache backend's own errors (redis-py's, the client's)
            logger.warning("Session cache unreadable (%s); reading the session from the database.", type(exc).__name__)
            return default

    def set(self, key: str, value: Any, timeout: Any = None) -> None:
        try:
            self._cache.set(key, value, timeout)
        except Exception as exc:
            logger.warning("Session cache not written (%s); the database holds the session.", type(exc).__name__)

    def delete(self, key: str) -> None:
        try:
            self._cache.delete(key)
        except Exception as exc:
            logger.error(
                "Session deleted from the database but not from the cache (%s): its cached copy "
                "lasts until it expires.",
                type(exc).__name__,
            )

    def __contains__(self, key: str) -> bool:
        try:
            return key in self._cache
        except Exception:
            return False


class SessionStore(CachedDBStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache: Any = _Forgiving(caches[settings.SESSION_CACHE_ALIAS])
