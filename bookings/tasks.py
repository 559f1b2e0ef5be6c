"""Celery tasks of the booking flow: thin callers that own only their retry policy.

Each target task takes a row id (JSON only), calls one ``bookings.targets`` function and decides
whether to retry. Only transient failures retry — 5xx, timeouts, refused connections, AWS
throttling (reported as ``RemoteError(transient=True)``) — with exponential back-off and full
jitter, capped well below the broker's visibility timeout so a waiting retry is never handed to a
second worker. Late acks and reject-on-worker-lost (settings) make a killed worker's task run
again; the idempotent pushes make that harmless. The beat jobs are in ``bookings.beat``.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def _run(task: Any, kind: str, row_id: int) -> str:
    from bookings.targets import target_push

    final = task.request.retries >= task.max_retries
    try:
        return target_push(kind=kind, row_id=row_id, final_attempt=final)
    except RemoteError as exc:
        if exc.transient and not final:
            raise TargetRetry(exc.message) from exc
        return "failed"


@shared_task(**TARGET_TASK_OPTIONS)
def push_guest_page(self: Any, page_id: int) -> str:
    return _run(self, "guest_page", page_id)


@shared_task(**TARGET_TASK_OPTIONS)
def push_calendar_entry(self: Any, entry_id: int) -> str:
    return _run(self, "calendar_entry", entry_id)


@shared_task(**TARGET_TASK_OPTIONS)
def push_crew_event(self: Any, event_id: int) -> str:
    return _run(self, "crew_event", event_id)


PUSH_TASKS = {"guest_page": push_guest_page, "calendar_entry": push_calendar_entry, "crew_event": push_crew_event}


def target_push_enqueue(kind: str, row_id: int) -> None:
    """Enqueue one target's push after the surrounding transaction commits (ids only: JSON)."""
    PUSH_TASKS[kind].delay_on_commit(row_id)


def targets_enqueue(marked: Iterable[Any]) -> list[str]:
    """Enqueue on commit the pushes ``bookings.targets.targets_mark_pending`` marked; their kinds."""
    kinds = []
    for kind, row_id in marked:
        target_push_enqueue(kind, row_id)
        kinds.append(kind)
    return kinds


# A brand's re-publish writes every page in one run (one wildcard invalidation at the end): 5,000
# pages at S3's ~30 ms per PutObject is minutes, not the 60 s every other task gets. Still well
# under the broker's visibility timeout, so a running re-publish is never handed to a second worker.
BRAND_PAGES_SOFT_TIME_LIMIT = 20 * 60


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=BRAND_PAGES_SOFT_TIME_LIMIT,
    time_limit=BRAND_PAGES_SOFT_TIME_LIMIT + 60,
)
def push_brand_pages(brand_id: int) -> dict[str, int]:
    """Re-publish a brand's pending guest pages in bulk (its theme, window or key layout changed)."""
    from bookings.targets_bulk import guest_pages_push_bulk

    done = guest_pages_push_bulk(brand_id=brand_id)
    for row_id in done["left"]:
        push_guest_page.delay(row_id)
    return {"synced": done["synced"], "failed": done["failed"], "left": len(done["left"])}
