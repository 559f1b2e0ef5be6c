"""The booking flow on real services: PostgreSQL, Redis, a `celery worker` process, a moto server.

The test process is the web side (a live server answering the calendar and SCC APIs); the
worker is a separate, production-configured process that can be SIGKILLed. Nothing of ours is
mocked. The fault drill on these same parts (every fault kind, ≥ 30 charters, counted per
member, charter and version) is chaos/tests/test_drill.py.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from moto.server import ThreadedMotoServer

from bookings import flow
from bookings.demo import demo_seed
from bookings.models import CalendarEntry, Charter, InternalCalendarEvent
from bookings.tests.harness import Worker, mails, mails_by_recipient, needs_contracts, wait_for, worker_env
from crew.models import CrewEvent, CrewMember
from guestpages.models import GuestMessage, GuestPage
from jada.aws import aws_client, aws_clients_reset
from jada.celery import app as celery_app
from jada.models import SyncState

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), needs_contracts]
MONEY = ("1450", "1,450", "217.5", "300.00", "$300", "150.00", "1,232", "payout", "Revenue $")
TARGET_MODELS = (GuestPage, CalendarEntry, CrewEvent)


def _require(ok: object, reason: str) -> None:
    if ok:
        return
    if django_settings.TESTS_REQUIRE_SERVICES:
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class Stack:
    aws_url: str
    api_url: str
    redis_url: str
    mail_dir: Path
    tmp: Path

    def worker(self, *, api_url: str | None = None, concurrency: int = 4, **extra: str) -> Worker:
        env = worker_env(
            redis_url=self.redis_url,
            aws_url=self.aws_url,
            api_url=api_url or self.api_url,
            mail_dir=self.mail_dir,
            **extra,
        )
        return Worker(env, self.tmp / "worker.log", concurrency=concurrency)


@pytest.fixture
def stack(live_server: Any, settings: Any, tmp_path: Path) -> Iterator[Stack]:
    _require(settings.TEST_REDIS_URL, "Redis does not answer on 127.0.0.1:6379")
    _require(connection.vendor == "postgresql", "PostgreSQL does not answer on 127.0.0.1:5432")
    redis_url = settings.TEST_REDIS_URL
    redis.Redis.from_url(redis_url).flushdb()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    # The web side (this process) uses the same moto server, mail directory and broker.
    settings.AWS_ENDPOINT_URL = f"http://{host}:{port}"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(mail_dir)
    settings.SITE_URL = settings.PUBLIC_API_URL = live_server.url
    settings.SCC_API_URL = f"{live_server.url}/api/scc"
    settings.CALENDAR_API_URL = f"{live_server.url}/api/calendar"
    # Read what to restore before changing settings: Celery's config reads through to them.
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(broker_url=redis_url, task_always_eager=False)
    _producers_forget()
    aws_clients_reset()
    try:
        yield Stack(settings.AWS_ENDPOINT_URL, live_server.url, redis_url, mail_dir, tmp_path)
    finally:
        celery_app.conf.update(**saved)
        _producers_forget()
        moto.stop()
        aws_clients_reset()
        redis.Redis.from_url(redis_url).flushdb()


def _producers_forget() -> None:
    """Drop cached broker connections so the next publish uses the broker configured now."""
    app: Any = celery_app  # private attributes: kombu keeps no public way to drop them
    app._pool = None
    app.amqp._producer_pool = None


def _states(charter: Charter) -> dict[str, str]:
    return {
        m.__name__: (m._default_manager.filter(charter=charter).values_list("sync_state", flat=True).first() or "")
        for m in TARGET_MODELS
    }


def _all_synced(charters: list[Charter]) -> bool:
    ids = [c.pk for c in charters]
    return all(
        m._default_manager.filter(charter_id__in=ids, sync_state=SyncState.SYNCED).count() == len(ids)
        for m in TARGET_MODELS
    )


def _event_items(code: str | None = None) -> list[dict[str, Any]]:
    """Every crew *event* item in DynamoDB (not the per-member link copies), deserialised."""
    from boto3.dynamodb.types import TypeDeserializer

    out, de = [], TypeDeserializer()
    for page in aws_client("dynamodb").get_paginator("scan").paginate(TableName=django_settings.CREW_EVENTS_TABLE):
        for raw in page["Items"]:
            item = {k: de.deserialize(v) for k, v in raw.items()}
            if item.get("sk") == "EVENT" and (code is None or item.get("charter_ref") == code):
                out.append(item)
    return out


def _keys(bucket: str) -> list[str]:
    return [o["Key"] for o in aws_client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_demo_charter_through_a_real_worker(stack: Stack) -> None:
    from crew.dynamo import crew_item_problems

    charter = demo_seed().charter
    call_command("bootstrap_aws", stdout=StringIO())
    worker = stack.worker()
    worker.start()
    try:
        flow.charter_confirm(charter=charter, actor="integration test")
        wait_for(
            lambda: _all_synced([charter]),
            timeout=90,
            what=lambda: f"three synced targets, got {_states(charter)}; worker log: {worker.log()[-2000:]}",
        )
        crew = {m.email for m in CrewMember.objects.filter(assignments__charter=charter)}
        wait_for(
            lambda: sum(mails_by_recipient(stack.mail_dir).values()) >= len(crew) + 1,  # and the guest's
            timeout=30,
            what=lambda: f"crew and guest mail; worker log: {worker.log()[-3000:]}",
        )
        time.sleep(2)  # anything doubled would arrive now

        page = GuestPage.objects.get(charter=charter)
        queen, sailjada = charter.brand, type(charter.brand).objects.get(slug="sailjada")
        assert page.bucket == queen.bucket
        assert _keys(queen.bucket) == [page.object_key] == ["jada-guest-xhqgmdh.html"]
        assert not [k for k in _keys(sailjada.bucket) if "xhqgmdh" in k.lower()]
        assert InternalCalendarEvent.objects.filter(charter_id=charter.code).count() == 1
        items = _event_items(charter.code)
        assert len(items) == 1
        assert crew_item_problems(items[0]) == []
        text = json.dumps(items[0], default=str)
        assert not [m for m in MONEY if m in text], text
        assert "dock 7" in text.lower()
        assert _crew_mail(stack, crew) == dict.fromkeys(sorted(crew), 1)
        assert _guest_kinds(stack, crew) == ["confirmation"]
        assert all(not [m for m in MONEY if m in msg.as_string()] for msg in mails(stack.mail_dir))

        # Re-running changes nothing and tells nobody twice; cancelling withdraws everywhere.
        out = StringIO()
        call_command("booking_flow", "xhqgmdh", stdout=out)
        assert out.getvalue().count("synced") == 3, out.getvalue()
        assert _crew_mail(stack, crew) == dict.fromkeys(sorted(crew), 1)
        out = StringIO()
        call_command("booking_flow", "XHQGMDH", "--cancel", stdout=out)
        assert out.getvalue().count("synced") == 3, out.getvalue()
        assert _keys(queen.bucket) == [page.object_key]
        withdrawn = aws_client("s3").get_object(Bucket=queen.bucket, Key=page.object_key)["Body"].read().decode()
        assert 'id="cancelled"' in withdrawn and "Dock 7" not in withdrawn
        assert not InternalCalendarEvent.objects.filter(charter_id=charter.code).exists()
        assert [i["status"] for i in _event_items(charter.code)] == ["cancelled"]
        wait_for(lambda: _crew_mail(stack, crew) == dict.fromkeys(sorted(crew), 2), timeout=30)
        wait_for(lambda: _guest_kinds(stack, crew) == ["confirmation", "cancelled"], timeout=30)
    finally:
        worker.stop()
    assert "Traceback" not in worker.log() or "WorkerLostError" in worker.log(), worker.log()[-3000:]


WORKER_APP = "jada-worker-db-test"


def _worker_sessions() -> list[tuple[int, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()",
            [WORKER_APP],
        )
        return list(cursor.fetchall())


def test_a_worker_keeps_its_database_session_across_tasks_and_replaces_a_dropped_one(stack: Stack) -> None:
    """One pool process runs the whole confirm (five tasks) on one PostgreSQL session, which is
    still open afterwards (Celery alone would open and close one per task); a session the
    server drops between tasks is replaced before the next task runs, which then succeeds."""
    charter = demo_seed().charter
    call_command("bootstrap_aws", stdout=StringIO())
    worker = stack.worker(concurrency=1, PGAPPNAME=WORKER_APP)
    worker.start()
    try:
        wait_for(lambda: celery_app.control.ping(timeout=0.5), timeout=60, what="the worker answering")
        before = set(_worker_sessions())  # the main process's own, if any: it runs no task
        flow.charter_confirm(charter=charter, actor="integration test")
        crew = {m.email for m in CrewMember.objects.filter(assignments__charter=charter)}
        wait_for(lambda: _all_synced([charter]), timeout=90, what=lambda: f"synced; {worker.log()[-2000:]}")
        wait_for(lambda: len(_crew_mail(stack, crew)) == len(crew), timeout=30, what="crew mail")
        wait_for(lambda: _guest_kinds(stack, crew) == ["confirmation"], timeout=30, what="the guest's mail")
        synced_at = [m._default_manager.get(charter=charter).last_synced_at for m in TARGET_MODELS]
        first_synced = min(at for at in synced_at if at is not None)
        sessions = [s for s in _worker_sessions() if s not in before]
        assert len(sessions) == 1, (sessions, before)
        ((pid, started),) = sessions
        assert started < first_synced  # the session of the first task, still open after the last

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        wait_for(lambda: pid not in [p for p, _ in _worker_sessions()], timeout=10, what="the session gone")
        flow.charter_cancel(charter=charter, actor="integration test")
        wait_for(lambda: _all_synced([charter]), timeout=90, what=lambda: f"synced; {worker.log()[-2000:]}")
        wait_for(lambda: _crew_mail(stack, crew) == dict.fromkeys(sorted(crew), 2), timeout=30, what="crew told")
        assert all(m._default_manager.get(charter=charter).attempts == 1 for m in TARGET_MODELS)
        assert pid not in [p for p, _ in _worker_sessions()]
    finally:
        worker.stop()
    assert "Traceback" not in worker.log(), worker.log()[-3000:]


def _crew_mail(stack: Stack, crew: set[str]) -> dict[str, int]:
    return {to: n for to, n in mails_by_recipient(stack.mail_dir).items() if to in crew}


def _guest_message_ids(stack: Stack, crew: set[str]) -> Counter[str]:
    """How many copies of each guest message (by Message-ID) the mail sink holds."""
    return Counter(str(m["Message-ID"]).strip() for m in mails(stack.mail_dir) if str(m["To"]).lower() not in crew)


def _guest_kinds(stack: Stack, crew: set[str]) -> list[str]:
    """The kinds of guest message in the sink, in ledger order; each row's mail exactly once."""
    ids = _guest_message_ids(stack, crew)
    assert set(ids.values()) <= {1}, ids
    rows = GuestMessage.objects.filter(message_id__in=list(ids)).order_by("id")
    return [row.kind for row in rows]
