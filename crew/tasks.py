"""Celery tasks of the SCC side: deliver one event's crew notifications, re-drive, sweep the table.

Thin callers that own only their retry policy. Only what a retry can fix is retried — AWS
errors (throttling, endpoint down), a mail server that refused or was not reached before the
hand-over, a dropped database connection — with exponential back-off and jitter, capped well
below the broker's visibility timeout. Every task is idempotent: the scrub is a conditional
UpdateItem that does nothing to a clean item, and delivery only sends outbox rows that are
``pending`` (docs/booking-flow.md "Crew notifications: the outbox"). Queues: ``mail`` for
delivery, ``maintenance`` for beat jobs (``CELERY_TASK_ROUTES``).
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from celery import shared_task
from django.db import DatabaseError

from crew.notifications import NotificationDeferredError
from jada.aws import aws_retry_only_transient

logger = logging.getLogger(__name__)

RETRY_BACKOFF_MAX = 300  # seconds; below CELERY_VISIBILITY_TIMEOUT
TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "retry_backoff": 2,
    "retry_backoff_max": RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": 8,
}
DELIVERY_RETRY_FOR = (ClientError, BotoCoreError, NotificationDeferredError, DatabaseError)


@shared_task(autoretry_for=DELIVERY_RETRY_FOR, **TASK_OPTIONS)
def crew_event_deliver(*, event_id: str) -> dict[str, int]:
    """Scrub the event's items, then send its pending notifications (each re-verified first)."""
    from crew import dynamo
    from crew.notifications import crew_event_deliver as deliver

    with aws_retry_only_transient():
        changed = dynamo.crew_event_scrub(event_id)
    if changed:
        logger.warning("Scrubbed crew event %s: %s", event_id, [(c.sk, c.removed, c.rewritten) for c in changed])
    return dict(deliver(event_id=event_id))


@shared_task(autoretry_for=DELIVERY_RETRY_FOR, **TASK_OPTIONS)
def crew_event_scrub(*, event_id: str, version: int | None = None, notices: dict[str, str] | None = None) -> int:
    """Messages queued before the outbox: record what they carried, then deliver as today."""
    from crew.notifications import crew_notifications_record

    if notices and version is not None:
        crew_notifications_record(event_id=event_id, charter_ref="", version=version, notices=notices)
    crew_event_deliver.delay(event_id=event_id)
    return 0


@shared_task(autoretry_for=DELIVERY_RETRY_FOR, **TASK_OPTIONS)
def crew_event_notify(*, event_id: str, version: int, notices: dict[str, str]) -> int:
    """The other pre-outbox task name; same meaning now."""
    return int(crew_event_scrub(event_id=event_id, version=version, notices=notices))


@shared_task(autoretry_for=(ClientError, BotoCoreError), **TASK_OPTIONS)
def crew_events_sweep() -> dict[str, Any]:
    """Beat job (CELERY_BEAT_SCHEDULE "crew-events-sweep"): re-scrub the whole table and report."""
    from crew.dynamo_sweep import crew_events_sweep as sweep
    from jada.health import beat_heartbeat, beat_result

    beat_heartbeat("crew.tasks.crew_events_sweep")
    with aws_retry_only_transient():
        report = sweep().as_dict()
    beat_result("crew.tasks.crew_events_sweep", {"scanned": report["scanned"], "dirty": report["dirty"]})
    return report
