"""Recording crew events: the SCC API's three writes, each safe to repeat.

The rule every function here keeps: the event lands in DynamoDB built from the crew-facing
allow-list only, under a version newer than the stored one (an older write never overwrites a
newer one). The crew members to tell are recorded in the notification outbox
(``crew.notifications.crew_notifications_record``) in one database transaction committed just
before the conditional write (see ``_event_save``), and delivery (scrub, verify, send) is
enqueued *after commit* once the write landed. Sending the
same content again changes nothing and tells nobody (upsert idempotency). When a caller names
the ``version`` it is writing, a version the table already holds or has passed is refused
(``StaleVersionError``, HTTP 409); without one the server numbers versions itself and retries
if a concurrent write took the number first.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from crew import dynamo
from crew.crew_facing import CREW_FACING_FIELDS, crew_facing
from crew.notifications import crew_notifications_discard, crew_notifications_record
from crew.notifications import crew_notifications_redrive as crew_notifications_redrive
from crew.validation import event_changes_clean, event_input_clean, version_clean
from jada.errors import ConflictError, NotFoundError

logger = logging.getLogger(__name__)

CONTENT_FIELDS = tuple(f for f in CREW_FACING_FIELDS if f not in ("id", "updated_at", "version"))
TIME_AND_PLACE = ("starts_at", "ends_at", "meeting_point", "vessel")
WRITE_ATTEMPTS = 3


class EventNotFoundError(NotFoundError):
    def __init__(self, event_id: str) -> None:
        super().__init__(f"No crew event {event_id}.")


class StaleVersionError(ConflictError):
    """The write names a version the store already holds or has passed (HTTP 409 with ``stored_version``)."""

    def __init__(self, *, offered: int, stored: int) -> None:
        super().__init__(
            f"Stale version: this write is version {offered}, the stored event is already version {stored}.",
            code="stale_version",
        )
        self.stored = stored

    def as_json(self) -> dict[str, Any]:
        return {**super().as_json(), "stored_version": self.stored}


def crew_event_upsert(*, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Create or update the event of ``data["charter_ref"]``; returns (event, created)."""
    cleaned = event_input_clean(data)
    version = version_clean(data.get("version"))
    return _event_save(dynamo.crew_event_id(cleaned["charter_ref"]), lambda _current: cleaned, version)


def crew_event_patch(*, event_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply a partial change to an existing event; returns the event as stored."""
    version = version_clean(changes.get("version")) if isinstance(changes, dict) else None

    def build(current: dict[str, Any] | None) -> dict[str, Any]:
        if current is None:
            raise EventNotFoundError(event_id)
        return event_changes_clean(changes, current=current)

    event, _created = _event_save(event_id, build, version)
    return event


def crew_event_cancel(*, event_id: str, version: int | None = None) -> dict[str, Any]:
    """Cancel the event (crew are told); cancelling a cancelled event changes nothing."""

    def build(current: dict[str, Any] | None) -> dict[str, Any]:
        if current is None:
            raise EventNotFoundError(event_id)
        return {**{name: current[name] for name in ("charter_ref", *CONTENT_FIELDS)}, "status": "cancelled"}

    event, _created = _event_save(event_id, build, version_clean(version))
    return event


def crew_event_read(*, event_id: str) -> dict[str, Any]:
    event = dynamo.crew_event_get(event_id)
    if event is None:
        raise EventNotFoundError(event_id)
    return event


def _event_save(event_id: str, build: Any, offered: int | None) -> tuple[dict[str, Any], bool]:
    for _attempt in range(WRITE_ATTEMPTS):
        item = dynamo.crew_event_item(event_id)
        current = crew_facing(item) if item else None
        proposed = crew_facing({**build(current), "id": event_id})
        unchanged = current is not None and all(current[f] == proposed[f] for f in CONTENT_FIELDS)
        if current is not None and offered is not None and offered <= current["version"]:
            if offered == current["version"] and unchanged:
                return current, False
            raise StaleVersionError(offered=offered, stored=current["version"])
        if current is not None and unchanged and offered is None:
            return current, False
        version = offered or ((current["version"] or 0) + 1 if current else 1)
        event = {**proposed, "updated_at": timezone.now().isoformat(timespec="seconds"), "version": version}
        previous_crew = [entry["email"] for entry in current["crew"]] if current else []
        stored = crew_facing(event)
        # Outbox first, committed before the write: a write that lands while its caller dies (or
        # a later part of it fails) must not leave a version nobody is told about, because the
        # caller's retry finds the content unchanged and records nothing. Rows of a version that
        # is not stored yet wait (crew.notifications); a write refused as stale removes its own.
        with transaction.atomic():
            recorded = crew_notifications_record(
                event_id=event_id,
                charter_ref=str(stored.get("charter_ref") or ""),
                version=version,
                notices=crew_notices(current, stored),
            )
        try:
            dynamo.crew_event_write(event, previous_crew=previous_crew)
        except dynamo.StaleWriteError:
            crew_notifications_discard(rows=recorded)
            if offered is not None:
                item = dynamo.crew_event_item(event_id) or {}
                raise StaleVersionError(offered=offered, stored=int(item.get("version", offered))) from None
            continue  # a concurrent write took this version number: re-read and try the next one
        with transaction.atomic():
            _after_commit_deliver(event_id)
        return stored, current is None
    raise ConflictError("The crew event kept changing under this write; try again.")


def crew_notices(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, str]:
    """Who must be told what about ``after`` (e-mail → kind), given the version ``before`` it.

    New to the event (or the role changed): ``assigned``. Time or place changed: ``changed``.
    Cancelled: ``cancelled``. Taken off the event: ``removed``. Anything else (a note, the
    head count) is visible in the portal without an e-mail.
    """
    now = {entry["email"]: entry for entry in after["crew"]}
    was = {entry["email"]: entry for entry in before["crew"]} if before else {}
    live_before = before is not None and before["status"] != "cancelled"
    if after["status"] == "cancelled":
        return {email: "cancelled" for email in {**was, **now}} if live_before else {}
    if not live_before:
        return dict.fromkeys(now, "assigned")
    assert before is not None
    moved = any(before[f] != after[f] for f in TIME_AND_PLACE)
    notices = dict.fromkeys(set(was) - set(now), "removed")
    for email, entry in now.items():
        if email not in was or was[email]["role"] != entry["role"]:
            notices[email] = "assigned"
        elif moved:
            notices[email] = "changed"
    return notices


def _after_commit_deliver(event_id: str) -> None:
    """Delivery scrubs, then sends what is pending; a version nobody is told about is still scrubbed."""
    from crew.tasks import crew_event_deliver

    transaction.on_commit(lambda: crew_event_deliver.delay(event_id=event_id))
