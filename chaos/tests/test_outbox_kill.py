"""A worker SIGKILLed while a crew notification runs, then Redis flushed: each member still gets
that e-mail exactly once, after the re-drive (the outbox row was never lost, never doubled)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from bookings.tests.harness import wait_for, worker_env
from chaos.smtp_sink import SmtpSink
from chaos.stack import QUEUES, queued, worker_class
from chaos.tests.test_drill import broker  # noqa: F401  (pytest fixture)
from crew import dynamo
from crew.models import CrewNotification, NotificationState
from crew.notifications import crew_notifications_redrive
from crew.services import crew_event_upsert
from crew.tests.factories import CrewMemberFactory
from crew.tests.scc_support import event_payload
from jada.aws import aws_clients_reset

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_killed_mid_notification_and_redis_flushed_each_member_told_once(
    broker: Any,  # noqa: F811
    settings: Any,
    tmp_path: Path,
) -> None:
    url, client = broker
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    settings.AWS_ENDPOINT_URL = f"http://{host}:{port}"
    aws_clients_reset()
    crew = [CrewMemberFactory(email="cass@example.com"), CrewMemberFactory(email="dee@example.com")]
    dynamo.crew_events_table_ensure()
    with SmtpSink() as sink:
        env = worker_env(
            redis_url=url,
            aws_url=settings.AWS_ENDPOINT_URL,
            api_url="http://127.0.0.1:9",  # this test needs no API
            mail_dir=tmp_path,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST=sink.host,
            EMAIL_PORT=str(sink.port),
            EMAIL_TIMEOUT_SECONDS="10",
            JADA_CHAOS="",
        )
        worker = worker_class()(env, tmp_path / "worker.log", queues=",".join(QUEUES), concurrency=1)
        worker.start()
        try:
            sink.hold_next(8)  # the mail server is slow to answer: the notification is mid-run
            event, _created = crew_event_upsert(
                data=event_payload(crew=[{"email": m.email, "name": m.name, "role": "deckhand"} for m in crew])
            )
            assert sink.held.wait(timeout=60), worker.log()[-3000:]
            time.sleep(0.5)
            worker.kill()  # SIGKILL the whole worker, parent and pool, while the row is claimed
            client.flushdb()  # and the broker loses every message, the unacked one included
            rows = CrewNotification.objects.filter(event_id=event["id"])
            assert sorted(rows.values_list("state", flat=True)) == ["pending", "pending"]
            assert sink.messages == [] and queued(url) == dict.fromkeys(QUEUES, 0)

            worker.start()
            assert crew_notifications_redrive(older_than=timedelta(0)) == 2
            wait_for(lambda: len(sink.messages) >= 2, timeout=60, what=lambda: worker.log()[-3000:])
            time.sleep(2)  # a duplicate would arrive now
            assert crew_notifications_redrive(older_than=timedelta(0)) == 0
            time.sleep(1)
        finally:
            worker.stop()
            moto.stop()
            aws_clients_reset()
    assert sink.by_key() == {
        ("cass@example.com", "XHQGMDH", "1", "assigned"): 1,
        ("dee@example.com", "XHQGMDH", "1", "assigned"): 1,
    }
    assert sorted(rows.values_list("state", flat=True)) == [NotificationState.SENT] * 2
    assert sorted(r.attempts for r in rows) == [1, 1]  # the killed attempt never reached `sending`
    assert queued(url) == dict.fromkeys(QUEUES, 0)
    assert "Traceback" not in worker.log(), worker.log()[-3000:]
