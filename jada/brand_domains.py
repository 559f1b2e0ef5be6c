"""Every brand's public domain, read once per process per brands version.

Here, not in ``bookings``, because ``crew`` needs it and never imports ``bookings`` (DESIGN.md):
the Brand model is reached by name.

``crew.client.scc_base_url_check`` compares ``SCC_API_URL`` with every brand's domain on every
crew push; reading them each time was one query per push. A process keeps the domains it read
together with the brands version they belong to: a token in Django's cache (shared by every
process when it is Redis) that a brand's save or delete replaces once its transaction commits.
A push then costs one cache read, and a query only after a brand changed.

Not relying on the token alone: the domains are re-read after ``MAX_AGE_SECONDS`` whatever the
token says (a process killed between a brand's commit and its on-commit bump, a brand changed by
``QuerySet.update`` or by SQL, which send no signal), when the token is missing (a flushed
cache: a new one is set) and when the cache cannot be reached (read every time, as before).
Inside a transaction the domains are read and not kept: what it sees may never be committed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

VERSION_KEY = "bookings:brands-version"
MAX_AGE_SECONDS = 300.0

_lock = threading.Lock()
_held: dict[str, Any] = {}  # pid, version, read_at, domains


def brand_domains() -> frozenset[str]:
    """Every brand's domain, lower-case and without a trailing dot (empty ones left out)."""
    if transaction.get_connection().in_atomic_block:
        return _read()
    version = _version()
    now = time.monotonic()
    with _lock:
        if (
            version is not None
            and _held.get("pid") == os.getpid()
            and _held.get("version") == version
            and now - float(_held.get("read_at", 0.0)) <= MAX_AGE_SECONDS
        ):
            return frozenset(_held["domains"])
    domains = _read()
    if version is not None:
        with _lock:
            _held.update(pid=os.getpid(), version=version, read_at=now, domains=domains)
    return domains


def brands_changed() -> None:
    """A new brands version: every process re-reads the domains on its next check."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # the cache is down: processes read every time until it is back
        logger.warning("Could not replace the brands version in the cache", exc_info=True)
    with _lock:
        _held.clear()


def _version() -> str | None:
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            # A flushed (or new) cache: a version read from now on. add() keeps a concurrent one.
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception:
        logger.warning("Could not read the brands version from the cache; reading the domains", exc_info=True)
        return None
    return None if version is None else str(version)


def _read() -> frozenset[str]:
    brands = apps.get_model("bookings", "Brand")._default_manager
    return frozenset(d.lower().rstrip(".") for d in brands.values_list("domain", flat=True) if d and d.rstrip("."))


def _on_brand_change(sender: type, **kwargs: Any) -> None:
    # After the commit: bumped before it, another process could read the old domains under the new version.
    transaction.on_commit(brands_changed, using=kwargs.get("using"))


def connect() -> None:
    """Called by the bookings app once its models are ready."""
    post_save.connect(_on_brand_change, sender="bookings.Brand", dispatch_uid="jada.brand_domains.saved")
    post_delete.connect(_on_brand_change, sender="bookings.Brand", dispatch_uid="jada.brand_domains.deleted")
