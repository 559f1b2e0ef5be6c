"""The fault drill, smaller (30 charters), in `make test`: nothing lost, nothing doubled.

Real PostgreSQL, Redis, a moto server, the project's WSGI app on loopback and two celery worker
processes; faults as in `make chaos` (chaos/drill.py), with Redis's queues flushed (the shared
Redis cannot be restarted here; `make chaos` restarts its own). Counting is per (member,
charter, version, kind) from the SMTP sink and from each target's own store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import connection

from chaos.drill import DrillConfig, drill_run
from chaos.stack import QUEUES
from jada.celery import app as celery_app

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _producers_forget() -> None:
    app: Any = celery_app  # kombu keeps no public way to drop its cached producer pool
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(settings: Any) -> Any:
    if not settings.TEST_REDIS_URL or connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL and Redis on loopback")
    url = settings.TEST_REDIS_URL
    client = redis.Redis.from_url(url)
    client.flushdb()
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(broker_url=url, task_always_eager=False)
    _producers_forget()
    try:
        yield url, client
    finally:
        celery_app.conf.update(**saved)
        _producers_forget()
        client.flushdb()


def test_drill_nothing_lost_nothing_doubled(broker: Any, tmp_path: Path) -> None:
    url, client = broker
    report = drill_run(
        DrillConfig(
            charters=30,
            workdir=tmp_path,
            redis_url=url,
            redis_restart=client.flushdb,
            edits=4,
            crew_swaps=3,
            cancels=4,
            fault_seconds=40,
            converge_timeout=120,
        )
    )
    print("\n" + report.table())
    counts = report.counts
    assert counts is not None
    assert counts.problems == [], "\n".join(counts.problems[:20])
    assert report.missing_faults() == [], report.notes
    assert (counts.lost, counts.duplicated, counts.after_cancellation) == (0, 0, 0)
    assert counts.targets_synced == counts.targets_expected == 90
    assert counts.email_keys >= 2 * (30 - 4) and counts.emails == counts.email_keys  # two crew per live charter
    assert report.queued_at_end == dict.fromkeys(QUEUES, 0)
    assert report.ok()
