"""Counting attempts per client or per subject in a fixed window, in the Django cache.

One place for the arithmetic the public endpoints share (photo uploads, crew sign-in, service-key
failures), so that each of them only says what it counts and how many it allows.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind our own proxy the address it appended last to X-Forwarded-For."""
    if settings.SECURE_PROXY_SSL_HEADER:
        last = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if last:
            return last[:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _key(scope: str, subject: str) -> str:
    # Hashed: subjects are e-mail addresses or raw header values, which must not become cache keys.
    return f"rate:{scope}:{hashlib.sha256(subject.encode('utf-8', 'surrogateescape')).hexdigest()[:32]}"


def attempt_count(*, scope: str, subject: str, window_seconds: int) -> int:
    """Count one attempt and return how many happened in the current window (this one included)."""
    key = _key(scope, subject)
    cache.add(key, 0, timeout=window_seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        return 1


def attempts_so_far(*, scope: str, subject: str) -> int:
    """How many attempts the current window holds, without counting one."""
    return int(cache.get(_key(scope, subject)) or 0)
