"""/healthz answers while the process serves; /readyz names each dependency and turns 503 when one is down."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from django.conf import settings as django_settings
from django.db import connections
from django.utils import timezone

from bookings.tests.factories import BrandFactory
from crew.dynamo import crew_events_table_ensure
from guestpages.storage import brand_bucket_ensure
from jada.aws import aws_clients_reset
from jada.celery import app as celery_app
from jada.health import beat_heartbeat
from jada.models import BeatHeartbeat

ROOT = Path(__file__).resolve().parents[2]
BEAT_TASKS = [str(entry["task"]) for entry in django_settings.CELERY_BEAT_SCHEDULE.values()]


@pytest.fixture
def http(wsgi_transport: httpx.WSGITransport) -> Iterator[httpx.Client]:
    with httpx.Client(transport=wsgi_transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def aws_ready(db: Any) -> list[str]:
    brands = [BrandFactory(slug="sailjada"), BrandFactory(slug="queenofsandiego")]
    for brand in brands:
        brand_bucket_ensure(brand)
    crew_events_table_ensure()
    return [b.slug for b in brands]


def _require_redis() -> str:
    url = django_settings.TEST_REDIS_URL
    if not url:
        if django_settings.TESTS_REQUIRE_SERVICES:
            pytest.fail("Redis must answer on 127.0.0.1:6379 on CI")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    return url


def _forget_broker_connections() -> None:
    app: Any = celery_app  # kombu keeps no public way to drop cached connections
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def with_broker(settings: Any) -> Iterator[str]:
    """REDIS_URL set, as in the full stack: broker, worker and beat checks apply."""
    url = _require_redis()
    redis.Redis.from_url(url).flushdb()
    saved = celery_app.conf.broker_url
    settings.REDIS_URL = url
    celery_app.conf.update(broker_url=url)
    _forget_broker_connections()
    try:
        yield url
    finally:
        celery_app.conf.update(broker_url=saved)
        _forget_broker_connections()


def test_healthz_answers_without_checking_anything(http: httpx.Client, settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there; liveness must not care
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_readyz_on_the_embedded_default_checks_database_buckets_and_table(
    http: httpx.Client, aws_ready: list[str]
) -> None:
    response = http.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "ready": True,
        "checks": {
            "database": "OK",
            "bucket:queenofsandiego": "OK",
            "bucket:sailjada": "OK",
            "crew-events-table": "OK",
        },
    }


def test_readyz_names_a_missing_bucket(http: httpx.Client, aws_ready: list[str]) -> None:
    BrandFactory(slug="newbrand", bucket="newbrand-never-created")
    response = http.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["bucket:newbrand"].startswith("Unavailable: HeadBucket newbrand-never-created")
    assert checks["bucket:sailjada"] == "OK"


def test_readyz_503_when_the_aws_stand_in_is_down(http: httpx.Client, settings: Any, db: Any) -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    settings.AWS_ENDPOINT_URL = f"http://{host}:{port}"
    aws_clients_reset()
    try:
        brand_bucket_ensure(BrandFactory(slug="sailjada"))
        crew_events_table_ensure()
        assert http.get("/readyz").status_code == 200
    finally:
        server.stop()
    started = time.monotonic()
    response = http.get("/readyz")
    assert time.monotonic() - started < 8, "each probe has a short timeout"
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["bucket:sailjada"].startswith("Unavailable: HeadBucket sailjada-guest-pages")
    assert checks["crew-events-table"].startswith("Unavailable: DescribeTable")
    assert checks["database"] == "OK"
    aws_clients_reset()


def test_readyz_503_when_the_database_is_down(http: httpx.Client, aws_ready: list[str]) -> None:
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the check opens its own connection")
    # The check connects afresh from another thread; point new connections at a closed port.
    # (The test's own connection is already open and keeps working.)
    db_settings = connections.settings["default"]
    saved = db_settings["PORT"]
    db_settings["PORT"] = "1"
    try:
        response = http.get("/readyz")
    finally:
        db_settings["PORT"] = saved
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("Unavailable")


def test_readyz_503_when_redis_is_down(http: httpx.Client, settings: Any, aws_ready: list[str]) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = http.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"] == "Unavailable: Redis: ConnectionError"
    assert checks["database"] == "OK"


def test_readyz_503_naming_the_worker_when_none_answers(
    http: httpx.Client, with_broker: str, aws_ready: list[str]
) -> None:
    for task in BEAT_TASKS:
        beat_heartbeat(task)
    response = http.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"] == "OK"
    assert checks["beat"] == "OK"
    assert checks["worker"] == "Unavailable: No Celery worker answered a ping within 1 s"


def test_readyz_names_the_beat_job_that_stopped(http: httpx.Client, settings: Any, aws_ready: list[str]) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # beat only applies with a broker
    for task in BEAT_TASKS:
        beat_heartbeat(task)
    BeatHeartbeat.objects.filter(task="bookings.beat.redrive").update(
        last_beat_at=timezone.now() - timedelta(minutes=30)
    )
    beat = http.get("/readyz").json()["checks"]["beat"]
    assert beat == "Unavailable: bookings.beat.redrive last ran 30 min ago (every 120 s)"


def test_every_beat_job_writes_its_heartbeat(db: Any, settings: Any) -> None:
    from django.utils.module_loading import import_string

    crew_events_table_ensure()
    for task in BEAT_TASKS:
        import_string(task).apply()
    assert set(BeatHeartbeat.objects.values_list("task", flat=True)) == set(BEAT_TASKS)


@pytest.mark.django_db(transaction=True)
def test_readyz_200_with_a_worker_answering(settings: Any, with_broker: str, tmp_path: Path) -> None:
    from django.test import Client

    brand_bucket_ensure(BrandFactory(slug="sailjada"))
    crew_events_table_ensure()
    for task in BEAT_TASKS:
        beat_heartbeat(task)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JADA_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="jada.settings",
        JADA_IGNORE_DOTENV="true",
        DJANGO_DEBUG="true",
        REDIS_URL=with_broker,
        LOG_LEVEL="WARNING",
    )
    argv = [sys.executable, "-m", "celery", "-A", "jada", "worker", "--pool", "solo", "--loglevel", "warning"]
    argv += ["--hostname", f"readyz-{os.getpid()}@%h", "--without-gossip", "--without-mingle"]
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=0.5):
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, "the worker never answered"
        response = Client().get("/readyz")
        assert response.status_code == 200, response.content
        assert response.json()["checks"]["worker"] == "OK"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
