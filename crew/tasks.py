"""Celery tasks of the SCC side: scrub one event, notify its crew, sweep the table.

Thin callers that own only their retry policy. Only what a retry can fix is retried — AWS
errors that ``jada.aws.aws_is_transient`` calls transient (throttling, 5xx, endpoint down) and
mail transport errors — with exponential back-off and
jitter, capped well below the broker's visibility timeout. Every task is idempotent: the scrub
is a conditional UpdateItem that does nothing to a clean item, and the notifier's database
marker lets each member be told once per version however often the task runs.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from anymail.exceptions import AnymailError
from botocore.exceptions import BotoCoreError, ClientError
from celery import shared_task

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


@shared_task(autoretry_for=(ClientError, BotoCoreError), **TASK_OPTIONS)
def crew_event_scrub(*, event_id: str, version: int, notices: dict[str, str]) -> int:
    """Scrub the event's items in DynamoDB, then hand over to the notifier (which re-verifies)."""
    from crew import dynamo

    with aws_retry_only_transient():
        changed = dynamo.crew_event_scrub(event_id)
    if changed:
        logger.warning(
            "Scrubbed crew event %s after writing version %s: %s",
            event_id,
            version,
            [(c.sk, c.removed, c.rewritten) for c in changed],
        )
    crew_event_notify.delay(event_id=event_id, version=version, notices=notices)
    return len(changed)


@shared_task(
    autoretry_for=(ClientError, BotoCoreError, smtplib.SMTPException, ConnectionError, AnymailError), **TASK_OPTIONS
)
def crew_event_notify(*, event_id: str, version: int, notices: dict[str, str]) -> int:
    """Re-read, verify and e-mail each member once for this version; returns how many were sent."""
    from crew.notifications import crew_event_notify as notify

    with aws_retry_only_transient():
        return notify(event_id=event_id, version=version, notices=notices).sent


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
