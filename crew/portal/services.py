"""The crew portal's writes: exposure log, feed tokens, revoking links at sign-out, 'what changed'.

The rules these keep:

* **Every record shown is logged** (``CrewExposure``): one row per event per detail page and one
  row per event per feed download, with the version shown, so the office can answer "who saw
  what". One INSERT per page or download, however many events. The list page is not logged:
  it shows only title, day and time, and logging it would hide "what changed" on the detail
  page the crew member has not opened yet.
* **A feed URL is a secret that can be replaced**: rotating writes a new random token over the
  old one, so the old URL answers 404 at once.
* **Signing out kills every outstanding magic link** of that person. django-sesame derives each
  token from the user's password hash; crew have an unusable password, so we draw a new
  unusable one (``set_unusable_password`` is random each time). No sesame setting changes, so
  nobody else's links are affected. Staff never sign in here, so no real password is touched.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache

from crew.models import CrewExposure, CrewFeedToken, CrewMember, ExposureChannel
from crew.portal.selectors import PortalEvent

FEED_TOKEN_BYTES = 32  # 43 URL-safe characters
# Channels where a person was shown the details; a phone polling the feed is not "looking".
LOOKED_CHANNELS = (ExposureChannel.PORTAL, ExposureChannel.EMAIL)
SNAPSHOT_SECONDS = 180 * 24 * 3600


def crew_exposures_record(*, member: CrewMember, events: Iterable[PortalEvent], channel: str) -> int:
    """Log that ``member`` was shown these versions of these events through ``channel``."""
    rows = [CrewExposure(crew_member=member, event_id=e.id, version=e.version, channel=channel) for e in events]
    if rows:
        CrewExposure.objects.bulk_create(rows)
    return len(rows)


def crew_last_looked(*, member: CrewMember, event_id: str) -> CrewExposure | None:
    """The last time ``member`` was shown ``event_id`` in the portal or by e-mail (one query)."""
    return (
        CrewExposure.objects.filter(crew_member=member, event_id=event_id, channel__in=LOOKED_CHANNELS)
        .order_by("-created_at", "-id")
        .first()
    )


def _snapshot_key(member: CrewMember, event_id: str) -> str:
    return f"crew-portal:seen:{member.pk}:{event_id}"


def crew_event_changes(*, member: CrewMember, event: PortalEvent, last: CrewExposure | None) -> dict[str, Any]:
    """What changed in ``event`` since ``last`` — and remember what is shown now.

    The version in ``last`` says *whether* it changed. Which fields changed comes from a
    snapshot of what the portal displayed last time (in the cache, no SQL); when that snapshot
    is missing or belongs to another version (e.g. the last look was an e-mail) the page says
    only that it was updated.
    """
    key = _snapshot_key(member, event.id)
    snapshot = cache.get(key)
    now_shown = event.summary()
    cache.set(key, {"version": event.version, "fields": now_shown}, timeout=SNAPSHOT_SECONDS)
    if last is None:
        return {"first_look": True, "changed": False, "fields": []}
    changed = event.version > last.version
    fields: list[dict[str, str]] = []
    if changed and isinstance(snapshot, dict) and snapshot.get("version") == last.version:
        before = snapshot.get("fields") or {}
        fields = [
            {"name": name, "before": str(before.get(name, "")), "after": value}
            for name, value in now_shown.items()
            if str(before.get(name, "")) != value
        ]
    return {"first_look": False, "changed": changed, "since": last.created_at, "fields": fields}


def crew_feed_token_rotate(*, member: CrewMember) -> CrewFeedToken:
    """Give ``member`` a new secret feed URL; the previous one stops working immediately."""
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    feed_token, _ = CrewFeedToken.objects.update_or_create(crew_member=member, defaults={"token": token})
    return feed_token


def crew_links_revoke(*, member: CrewMember) -> None:
    """Invalidate every magic link issued to ``member`` so far (see the module docstring)."""
    user = member.user
    if user.is_staff or user.is_superuser:
        return  # never touch an office login's password; such users cannot sign in here anyway
    user.set_unusable_password()
    user.save(update_fields=["password"])
