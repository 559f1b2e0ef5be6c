"""The one function that decides whether a caller presented the SCC service key.

Why it is written this way (the incident: auth failed *silently* because the hash was unset):

* ``SERVICE_KEY_HASH`` unset → ``UNCONFIGURED`` → the API answers 503 saying so, never a pass.
* The presented key is checked against the bcrypt hash read verbatim from settings. bcrypt 5
  raises on inputs over 72 bytes, so anything that is not 1–72 printable ASCII characters is a
  mismatch *before* bcrypt sees it: a 10 kB or non-ASCII header is a 401, never a 500.
* bcrypt is slow by design (cost 12 ≈ a quarter second). A verified key is remembered in
  process for a few minutes, keyed by SHA-256 of the key and bound to the current hash, so a
  known-good caller does not pay that cost per request. Nothing stores the key itself.
* Failures are counted per client address in the Django cache (shared by every worker when it
  is Redis); past ``FAILURE_LIMIT`` in ``FAILURE_WINDOW_SECONDS`` the client gets 429 without
  any bcrypt work, so guessing is slow and cannot burn the server's CPU.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import threading
import time

import bcrypt
from django.conf import settings

from jada.ratelimit import attempt_count, attempts_so_far

logger = logging.getLogger(__name__)

VERIFIED_TTL_SECONDS = 300
VERIFIED_MAX_ENTRIES = 64
FAILURE_LIMIT = 10
FAILURE_WINDOW_SECONDS = 300
MAX_KEY_BYTES = 72  # bcrypt's limit; longer keys can never have been hashed whole


class KeyCheck(enum.Enum):
    OK = "ok"
    MISMATCH = "mismatch"  # missing, malformed or wrong: 401
    LOCKED_OUT = "locked_out"  # too many failures from this client: 429
    UNCONFIGURED = "unconfigured"  # no usable SERVICE_KEY_HASH on the server: 503


_verified: dict[bytes, tuple[str, float]] = {}
_lock = threading.Lock()


def service_key_check(presented: str | None, *, client: str) -> KeyCheck:
    """Check the ``X-Service-Key`` value ``presented`` by ``client`` (its address)."""
    stored = settings.SERVICE_KEY_HASH
    if not stored:
        return KeyCheck.UNCONFIGURED
    if presented is None or not (0 < len(presented) <= MAX_KEY_BYTES) or not _printable_ascii(presented):
        return _failure(client)
    digest = hashlib.sha256(presented.encode("ascii")).digest()
    if _recently_verified(digest, stored):
        return KeyCheck.OK
    if _locked_out(client):
        return KeyCheck.LOCKED_OUT
    try:
        matches = bcrypt.checkpw(presented.encode("ascii"), stored.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        # The settings refuse a malformed hash at start-up; reaching this means it changed since.
        logger.error("SERVICE_KEY_HASH is not a usable bcrypt hash; refusing every SCC request")
        return KeyCheck.UNCONFIGURED
    if not matches:
        return _failure(client)
    _remember(digest, stored)
    return KeyCheck.OK


def service_key_cache_clear() -> None:
    """Forget verified keys (tests, and after rotating the key in a long-running process)."""
    with _lock:
        _verified.clear()


def _printable_ascii(value: str) -> bool:
    return value.isascii() and value.isprintable()


def _recently_verified(digest: bytes, stored: str) -> bool:
    with _lock:
        entry = _verified.get(digest)
        if entry is None:
            return False
        for_hash, expires_at = entry
        if for_hash != stored or expires_at < time.monotonic():
            del _verified[digest]
            return False
        return True


def _remember(digest: bytes, stored: str) -> None:
    with _lock:
        if len(_verified) >= VERIFIED_MAX_ENTRIES:
            _verified.clear()
        _verified[digest] = (stored, time.monotonic() + VERIFIED_TTL_SECONDS)


def _locked_out(client: str) -> bool:
    return attempts_so_far(scope="scc-key-failures", subject=client) >= FAILURE_LIMIT


def _failure(client: str) -> KeyCheck:
    count = attempt_count(scope="scc-key-failures", subject=client, window_seconds=FAILURE_WINDOW_SECONDS)
    return KeyCheck.LOCKED_OUT if count > FAILURE_LIMIT else KeyCheck.MISMATCH
