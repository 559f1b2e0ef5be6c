"""Celery tasks of the booking flow: thin callers that own only their retry policy.

Each target task takes a row id (JSON only), calls one flow function and decides whether to
retry. Only transient failures retry — 5xx, timeouts, refused connections, AWS throttling
(which the flow reports as ``RemoteError(transient=True)``) — with exponential back-off and
full jitter, capped well below the broker's visibility timeout so a waiting retry is never
handed to a second worker. Late acks and reject-on-worker-lost (settings) make a killed worker's
task run again; the flow's idempotent pushes make that harmless.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from jada.errors import RemoteError

RETRY_BACKOFF_MAX = 300  # seconds; must stay below CELERY_VISIBILITY_TIMEOUT (a test pins it)


class TargetRetry(Exception):
    """A target failed in a way another attempt may fix; the only exception the tasks auto-retry."""


TARGET_TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (TargetRetry,),
    "retry_backoff": 2,
    "retry_backoff_max": RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": 8,
}


def _run(task: Any, sync: Any, **ids: int) -> str:
    final = task.request.retries >= task.max_retries
    try:
        return str(sync(final_attempt=final, **ids))
    except RemoteError as exc:
        if exc.transient and not final:
            raise TargetRetry(exc.message) from exc
        return "failed"


@shared_task(**TARGET_TASK_OPTIONS)
def guest_page_sync(self: Any, page_id: int) -> str:
    from bookings import flow

    return _run(self, flow.guest_page_sync, page_id=page_id)


@shared_task(**TARGET_TASK_OPTIONS)
def calendar_entry_sync(self: Any, entry_id: int) -> str:
    from bookings import flow

    return _run(self, flow.calendar_entry_sync, entry_id=entry_id)


@shared_task(**TARGET_TASK_OPTIONS)
def crew_event_sync(self: Any, event_id: int) -> str:
    from bookings import flow

    return _run(self, flow.crew_event_sync, event_id=event_id)


@shared_task(acks_late=True)
def targets_redrive() -> int:
    """Beat: re-enqueue targets left pending, syncing or failed for more than a few minutes."""
    from bookings.services import targets_redrive as redrive
    from jada.health import beat_heartbeat

    beat_heartbeat("bookings.tasks.targets_redrive")

    return redrive()


@shared_task(acks_late=True)
def drift_report() -> int:
    """Beat: compare the database with every target and record what disagrees."""
    from bookings.services import drift_report_create
    from jada.health import beat_heartbeat

    beat_heartbeat("bookings.tasks.drift_report")

    return drift_report_create().finding_count
