"""The booking flow on real services: PostgreSQL, Redis, a `celery worker` process, a moto server.

The test process is the web side (a live server answering the calendar and SCC APIs); the
worker is a separate, production-configured process that can be SIGKILLed. Nothing of ours is
mocked: faults come from a proxy in front of the APIs and a botocore hook inside the worker.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
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
from bookings.reconcile import targets_redrive
from bookings.tests.factories import CharterFactory
from bookings.tests.harness import FaultProxy, Worker, mails, mails_by_recipient, needs_contracts, wait_for, worker_env
from crew.models import CrewAssignment, CrewEvent, CrewMember
from guestpages.messages import guest_messages_redrive
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

    def worker(self, *, api_url: str | None = None, **extra: str) -> Worker:
        env = worker_env(
            redis_url=self.redis_url,
            aws_url=self.aws_url,
            api_url=api_url or self.api_url,
            mail_dir=self.mail_dir,
            **extra,
        )
        return Worker(env, self.tmp / "worker.log")


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


CHARTERS = 50


def test_fault_injection_nothing_lost_nothing_doubled(stack: Stack) -> None:
    """≥50 charters through a flaky network, DynamoDB throttling and two SIGKILLed workers."""
    demo = demo_seed().charter
    call_command("bootstrap_aws", stdout=StringIO())
    brands = list(type(demo.brand).objects.order_by("slug"))
    crew = list(CrewMember.objects.order_by("email"))
    charters = [demo]
    for i in range(CHARTERS - 1):
        charter = CharterFactory(brand=brands[i % 2], vessel=demo.vessel, crew_notes=demo.crew_notes)
        for member, role in zip(crew, ("captain", "deckhand"), strict=False):
            CrewAssignment.objects.create(charter=charter, crew_member=member, role=role)
        charters.append(charter)

    started = time.monotonic()
    with FaultProxy(stack.api_url, seed=20261125, timeout_sleep=2.5) as proxy:
        fault_log = stack.tmp / "faults.log"
        worker = stack.worker(
            api_url=proxy.url,
            JADA_FAULT_DYNAMODB_THROTTLE="0.2",
            JADA_FAULT_SEED="5",
            JADA_FAULT_LOG=str(fault_log),
        )
        worker.start()
        try:
            for charter in charters:
                flow.charter_confirm(charter=charter, actor="fault test")
            kills = _kill_while_busy(worker, stack)
            # Faults go on until most targets are through (or a minute has passed) ...
            wait_for(lambda: _synced_share(charters) >= 0.8, timeout=60, interval=1, what="80% synced")
            # ... then stop; beat's re-drive finds what the killed worker held.
            proxy.faulty = False
            wait_for(lambda: _redrive_until_synced(charters), timeout=180, interval=2, what="every target synced")
            expected = {m.email: CHARTERS for m in crew}
            crew_emails = set(expected)
            wait_for(
                lambda: _crew_mail(stack, crew_emails) == expected,
                timeout=60,
                interval=1,
                what=lambda: f"{expected}, got {mails_by_recipient(stack.mail_dir)}",
            )
            wait_for(lambda: _guest_redrive_until_sent(), timeout=90, interval=2, what="every guest confirmation")
            time.sleep(3)  # late duplicates would show up now
        finally:
            worker.stop()

    codes = sorted(c.code for c in charters)
    events = _event_items()
    calendar_codes = sorted(InternalCalendarEvent.objects.values_list("charter_id", flat=True))
    page_keys = sorted(k for b in brands for k in _keys(b.bucket))
    received = _crew_mail(stack, crew_emails)
    guest_ids = _guest_message_ids(stack, crew_emails)
    versions = sorted({int(e.get("version", 0)) for e in events})
    throttled = len(fault_log.read_text().splitlines()) if fault_log.exists() else 0
    print(  # the Done-when asks for the counts
        f"\nfault injection: {len(charters)} charters in {time.monotonic() - started:.0f}s; "
        f"proxy {dict(proxy.counts)}; DynamoDB throttled {throttled}; worker starts {worker.starts}, kills {kills}; "
        f"guest pages {len(page_keys)}, calendar entries {len(calendar_codes)}, crew events {len(events)} "
        f"(versions {versions}); e-mails {dict(received)}; "
        f"guest messages per (charter, kind, version): {len(guest_ids)}, most copies of one {max(guest_ids.values())}"
    )
    assert sum(proxy.counts[f] for f in proxy.counts if f != "ok") >= 10, proxy.counts
    assert throttled >= 1
    assert kills == {"pool": 1, "worker": 2}
    assert "signal 9 (SIGKILL)" in worker.log()  # the pool kill interrupted running tasks
    assert calendar_codes == codes
    assert sorted(e["charter_ref"] for e in events) == codes
    assert len(page_keys) == len(charters)
    for charter in charters:
        page = GuestPage.objects.get(charter=charter)
        assert page.object_key in _keys(charter.brand.bucket)
    # One e-mail per crew member per version: every event is at its first version.
    assert versions == [1]
    assert received == {m.email: CHARTERS for m in crew}
    # One e-mail per guest message row, each row once: the guest's side of the same proof.
    assert set(guest_ids.values()) == {1}
    sent = GuestMessage.objects.filter(state="sent")
    assert set(guest_ids) == set(sent.values_list("message_id", flat=True))
    # Each charter's confirmation went out — or, if a SIGKILL landed between its send and its mark,
    # it is `uncertain` for staff (never re-sent by a machine): held back, not doubled.
    confirmations = GuestMessage.objects.filter(kind="confirmation")
    told = confirmations.filter(state__in=("sent", "uncertain")).values_list("charter_id", flat=True)
    assert sorted(told) == sorted(c.pk for c in charters)
    assert confirmations.filter(state="uncertain").count() <= kills["pool"] + kills["worker"]


def _guest_redrive_until_sent() -> bool:
    """What beat's guest-message jobs do, with a short threshold: re-enqueue what a killed worker
    held (its late-acked task only comes back after the broker's visibility timeout)."""
    if not GuestMessage.objects.filter(kind="confirmation", state__in=("due", "sending")).exists():
        return True
    guest_messages_redrive(older_than=timedelta(seconds=20))
    return False


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


def _kill_while_busy(worker: Worker, stack: Stack) -> dict[str, int]:
    """SIGKILL the pool, then twice the whole worker, each while a target is mid-sync; restart."""
    kills = {"pool": 0, "worker": 0}

    def busy() -> bool:
        return any(m._default_manager.filter(sync_state=SyncState.SYNCING).exists() for m in TARGET_MODELS)

    wait_for(busy, timeout=60, interval=0.05, what="a task in flight")
    assert worker.kill_pool()
    kills["pool"] += 1
    for _ in range(2):
        time.sleep(random.uniform(0.5, 1.5))
        wait_for(busy, timeout=60, interval=0.05, what="a task in flight")
        worker.kill()  # like an OOM-killed container: its unacked messages wait for the re-drive
        kills["worker"] += 1
        worker.start()
    return kills


def _synced_share(charters: list[Charter]) -> float:
    ids = [c.pk for c in charters]
    done = sum(
        m._default_manager.filter(charter_id__in=ids, sync_state=SyncState.SYNCED).count() for m in TARGET_MODELS
    )
    return done / (len(ids) * len(TARGET_MODELS))


def _redrive_until_synced(charters: list[Charter]) -> bool:
    if _all_synced(charters):
        return True
    # What beat does every two minutes, with a shorter threshold so the test stays short.
    targets_redrive(older_than=timedelta(seconds=20))
    return False
