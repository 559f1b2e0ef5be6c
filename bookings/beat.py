"""Beat jobs of the booking flow: re-drive what was left behind, report drift.

Their own module (listed in ``CELERY_IMPORTS``) because they call ``bookings.reconcile``, which
enqueues ``bookings.tasks``: kept apart, nothing imports in a loop. Each job writes beat's
heartbeat first (``/readyz`` reads it) and is idempotent, so a second beat would do no harm.
"""

from __future__ import annotations

from celery import shared_task

from bookings.reconcile import drift_report_create
from bookings.reconcile import redrive as redrive_everything
from jada.health import beat_heartbeat


@shared_task(name="bookings.beat.redrive", acks_late=True)
def redrive() -> dict[str, int]:
    """Re-enqueue targets, crew notifications and guest messages left behind; counts of each."""
    beat_heartbeat("bookings.beat.redrive")
    return redrive_everything()


@shared_task(name="bookings.beat.drift_report", acks_late=True)
def drift_report() -> int:
    """Compare every live charter with what each target really holds, and record it."""
    beat_heartbeat("bookings.beat.drift_report")
    return drift_report_create().finding_count
