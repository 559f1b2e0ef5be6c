"""The fault drill: many charters through real parts while everything breaks, then count the stores.

Real parts: PostgreSQL, Redis, a moto server, this process serving the project's WSGI app on
loopback (the calendar and SCC APIs), two ``celery worker`` processes (one for ``targets`` and
the beat-only/default queues, one for ``mail``), an SMTP server (``chaos.smtp_sink``). Faults,
each counted when injected: the calendar/SCC network (``FaultProxy``: 5xx and timeouts before and
after the write lands), DynamoDB throttling in the workers and in the web process, S3 PutObject
and CloudFront invalidation errors (``chaos.faults``), SMTP refusals and timeouts, SIGKILL of a
worker while a target push and while a crew notification runs, a Redis restart losing every
queued message, and PostgreSQL resetting the workers' connections. Then faults stop, the
re-drive functions run as beat would, and everything is counted where it landed.

``drill_run`` is shared by ``manage.py chaos`` (≥ 100 charters) and the fault test in
``make test`` (30 charters); the caller provides the database and Redis (and how to restart it).
This module is the run itself (its config and report, the charters and the staff actions, the
converge loop); the processes it starts are in ``chaos.stack``, the faults in ``chaos.schedule``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from chaos import faults
from chaos.checks import DrillCounts, count_everything
from chaos.schedule import (
    EMAIL_TIMEOUT,
    HOLD_SECONDS,
    PROXY_KINDS,
    WEB_FAULTS,
    WORKER_FAULTS,
    Injector,
    fault_log_counts,
)
from chaos.stack import Supervisor, queued, web_server, worker_class

logger = logging.getLogger("chaos")


def redrive(*, older_than: timedelta) -> int:
    """What beat's re-drive does (``bookings.reconcile.redrive``): targets, crew notifications and
    guest messages left behind are enqueued again. Returns how many in all."""
    from bookings.reconcile import redrive as redrive_everything

    return sum(redrive_everything(older_than=older_than).values())


@dataclass
class DrillConfig:
    charters: int
    workdir: Path
    redis_url: str
    redis_restart: Callable[[], None]
    edits: int = 0
    crew_swaps: int = 0
    cancels: int = 0
    fault_seconds: float = 90.0
    converge_timeout: float = 300.0
    seed: int = 20261201


@dataclass
class DrillReport:
    injected: Counter[str] = field(default_factory=Counter)
    counts: DrillCounts | None = None
    seconds_total: float = 0.0
    seconds_to_converge: float = 0.0
    queued_at_end: dict[str, int] = field(default_factory=dict)
    restarts: Counter[str] = field(default_factory=Counter)  # by the supervisor, per worker queues
    notes: list[str] = field(default_factory=list)

    REQUIRED = (
        "http-5xx-before",
        "http-5xx-after",
        "http-timeout-before",
        "http-timeout-after",
        "dynamodb-throttle-worker",
        "dynamodb-throttle-web",
        "s3-putobject-error",
        "cloudfront-invalidation-error",
        "smtp-refused",
        "smtp-timeout",
        "sigkill-target-push",
        "sigkill-crew-notification",
        "redis-restart-queues-lost",
        "postgres-connection-reset",
    )

    def missing_faults(self) -> list[str]:
        return [kind for kind in self.REQUIRED if not self.injected[kind]]

    def ok(self) -> bool:
        c = self.counts
        return c is not None and not self.missing_faults() and c.lost == 0 and c.duplicated == 0 and c.clean()

    def table(self) -> str:
        c = self.counts
        rows = [("fault kind", "injected")] + [(k, str(self.injected[k])) for k in self.REQUIRED]
        if c is not None:
            rows += [
                ("", ""),
                ("charters", f"{c.charters} ({c.cancelled} cancelled, {c.edited} edited in flight)"),
                ("targets synced", f"{c.targets_synced}/{c.targets_expected}"),
                ("crew e-mails", f"{c.emails} for {c.email_keys} (member, charter, version, kind)"),
                ("guest e-mails", f"{c.guest_emails} for {c.guest_keys} (charter, kind, version)"),
                ("e-mails after a cancellation", str(c.after_cancellation)),
                ("tracebacks not injected", str(c.unexpected_tracebacks)),
                ("lost", str(c.lost)),
                ("duplicated", str(c.duplicated)),
                ("worker restarts (supervisor)", str(sum(self.restarts.values()))),
                ("seconds to converge", f"{self.seconds_to_converge:.0f}"),
                ("seconds in all", f"{self.seconds_total:.0f}"),
            ]
        width = max(len(r[0]) for r in rows)
        return "\n".join(f"{a:<{width}}  {b}" for a, b in rows)


def drill_run(config: DrillConfig) -> DrillReport:
    """Run the whole drill against the configured database and Redis; see the module docstring."""
    from moto.server import ThreadedMotoServer

    from bookings.tests.harness import FaultProxy, worker_env
    from chaos.smtp_sink import SinkFaults, SmtpSink
    from jada.aws import aws_clients_reset

    report = DrillReport()
    started = time.monotonic()
    work = config.workdir
    work.mkdir(parents=True, exist_ok=True)
    fault_log, switch = work / "faults.log", work / "faults.on"
    fault_log.write_text("")
    switch.write_text("on")
    web_log = work / "web.log"
    handler = logging.FileHandler(web_log)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    web_loggers = [logging.getLogger(), logging.getLogger("django")]
    saved_env = {k: os.environ.get(k) for k in ("JADA_CHAOS_LOG", "JADA_CHAOS_SWITCH")}
    os.environ.update({"JADA_CHAOS_LOG": str(fault_log), "JADA_CHAOS_SWITCH": str(switch)})
    faults.install(web_only=True, spec=WEB_FAULTS)

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    settings.AWS_ENDPOINT_URL = f"http://{host}:{port}"
    aws_clients_reset()
    sink = SmtpSink(faults=SinkFaults(refused_share=0.12, timeout_share=0.06, timeout_seconds=EMAIL_TIMEOUT + 2))
    workers: list[Any] = []
    try:
        with sink, web_server() as web_url, FaultProxy(web_url, seed=config.seed, timeout_sleep=2.5) as proxy:
            # After get_wsgi_application(): its django.setup() re-applies LOGGING, dropping handlers.
            for web_logger in web_loggers:
                web_logger.addHandler(handler)
            settings.SITE_URL = settings.PUBLIC_API_URL = web_url
            settings.SCC_API_URL, settings.CALENDAR_API_URL = f"{web_url}/api/scc", f"{web_url}/api/calendar"
            env = worker_env(
                redis_url=config.redis_url,
                aws_url=settings.AWS_ENDPOINT_URL,
                api_url=proxy.url,
                mail_dir=work,
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST=sink.host,
                EMAIL_PORT=str(sink.port),
                EMAIL_TIMEOUT_SECONDS=str(EMAIL_TIMEOUT),
                JADA_CHAOS=WORKER_FAULTS,
                JADA_CHAOS_LOG=str(fault_log),
                JADA_CHAOS_SWITCH=str(switch),
                JADA_CHAOS_HOLD=f"bookings.tasks.push_guest_page={HOLD_SECONDS}",
                JADA_CHAOS_SEED=str(config.seed),
                PGAPPNAME="jada-chaos-worker",
            )
            worker_type = worker_class()
            targets = worker_type(
                env, work / "worker-targets.log", queues="targets,default,maintenance,intake", concurrency=3
            )
            mail = worker_type(env, work / "worker-mail.log", queues="mail", concurrency=2)
            workers = [targets, mail]
            charters = _charters_create(config)
            for worker in workers:
                worker.start()
            flowing = time.monotonic()
            supervisor = Supervisor(workers, report)
            supervisor.start()
            injector = Injector(report, targets, mail, sink, fault_log, config, charters, supervisor)
            injector.start()
            edited = _flow_run(charters, config)
            injector.join(timeout=config.fault_seconds + 120)
            _wait_some_progress(charters, deadline=flowing + config.fault_seconds)
            # Faults off: from here the system must converge by itself (redrive as beat does).
            switch.unlink(missing_ok=True)
            proxy.faulty = False
            sink.faulty = False
            for kind, n in proxy.counts.items():
                if kind != "ok":
                    report.injected[PROXY_KINDS[kind]] += n
            for kind, n in sink.injected.items():
                report.injected[kind] += n
            converging = time.monotonic()
            _converge(charters, sink, config)
            report.seconds_to_converge = time.monotonic() - converging
            time.sleep(3)  # anything doubled would arrive now
            report.injected.update(fault_log_counts(fault_log))
            report.queued_at_end = queued(config.redis_url)
            supervisor.stop()
            for worker in workers:
                worker.stop()
            logs = [w.log() for w in workers] + [web_log.read_text(errors="replace")]
            report.counts = count_everything(charters=charters, sink=sink, logs=logs, edited=edited)
            (work / "problems.txt").write_text("\n".join(report.counts.problems))
    finally:
        for worker in workers:
            with contextlib.suppress(Exception):
                worker.kill()
        moto.stop()
        aws_clients_reset()
        for web_logger in web_loggers:
            web_logger.removeHandler(handler)
        switch.unlink(missing_ok=True)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    report.seconds_total = time.monotonic() - started
    return report


def _charters_create(config: DrillConfig) -> list[Any]:
    from bookings.demo import demo_seed
    from bookings.tests.factories import CharterFactory
    from crew.models import CrewAssignment, CrewMember
    from crew.tests.factories import CrewMemberFactory

    demo = demo_seed().charter
    call_command("bootstrap_aws", stdout=open(os.devnull, "w"))  # noqa: SIM115
    brands = list(type(demo.brand).objects.order_by("slug"))
    for n in range(4 - CrewMember.objects.count()):
        CrewMemberFactory(email=f"chaos-crew{n}@example.com", name=f"Chaos Crew {n}")
    crew = list(CrewMember.objects.order_by("email"))
    charters = [demo]
    for i in range(config.charters - 1):
        starts = demo.starts_at + timedelta(days=i + 1)
        charter = CharterFactory(
            brand=brands[i % 2],
            vessel=demo.vessel,
            crew_notes=demo.crew_notes,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
        )
        for j, role in enumerate(("captain", "deckhand")):
            CrewAssignment.objects.create(charter=charter, crew_member=crew[(i + j) % len(crew)], role=role)
        charters.append(charter)
    return charters


def _flow_run(charters: list[Any], config: DrillConfig) -> int:
    """Confirm every charter, then edit, re-crew and cancel some while their pushes are in flight."""
    from bookings import flow
    from crew.models import CrewAssignment, CrewMember

    for charter in charters:
        _retrying(partial(flow.charter_confirm, charter=charter, actor="chaos drill"))
    crew = list(CrewMember.objects.order_by("email"))
    for charter in charters[1 : 1 + config.edits]:
        charter.refresh_from_db()
        moved = charter.starts_at + timedelta(hours=2)
        _retrying(
            partial(
                flow.charter_reschedule,
                charter=charter,
                starts_at=moved,
                ends_at=moved + timedelta(hours=3),
                actor="chaos drill",
            )
        )
    for charter in charters[1 + config.edits : 1 + config.edits + config.crew_swaps]:
        deckhand = CrewAssignment.objects.filter(charter=charter, role="deckhand").first()
        taken = set(CrewAssignment.objects.filter(charter=charter).values_list("crew_member_id", flat=True))
        spare = next(m for m in crew if m.pk not in taken)
        if deckhand is not None:
            deckhand.crew_member = spare
            deckhand.save(update_fields=["crew_member"])
        _retrying(partial(flow.target_retry, charter=charter, kind="crew_event", actor="chaos drill"))
    # Half the cancellations hit charters whose crew were probably told already, half in flight.
    early = charters[1 + config.edits + config.crew_swaps :][: config.cancels // 2]
    late = charters[len(charters) - (config.cancels - len(early)) :] if config.cancels > len(early) else []
    for charter in [*early, *late]:
        _retrying(partial(flow.charter_cancel, charter=charter, actor="chaos drill"))
    return config.edits + config.crew_swaps + config.cancels


def _retrying(call: Callable[[], Any], attempts: int = 20) -> Any:
    """Staff would press the button again when the broker was briefly away (Redis restarting)."""
    for attempt in range(attempts):
        try:
            return call()
        except Exception as exc:  # the broker or the database was away for a moment
            if attempt == attempts - 1:
                raise
            logger.info("chaos: staff action retried after %r", exc)
            connection.close()
            time.sleep(1)
    return None


def _wait_some_progress(charters: list[Any], *, deadline: float) -> None:
    """Faults go on until nearly everything is through once (or time is up); beat's re-drive
    runs meanwhile, as in production, so the work the faults knocked out comes back under fire."""
    from chaos.checks import targets_done

    while time.monotonic() < deadline and targets_done(charters) < 0.95:
        redrive(older_than=timedelta(seconds=15))
        time.sleep(5)


def _converge(charters: list[Any], sink: Any, config: DrillConfig) -> None:
    from chaos.checks import converged

    deadline = time.monotonic() + config.converge_timeout
    while not converged(charters, sink):
        if time.monotonic() > deadline:
            logger.error("chaos: not converged after %.0f s", config.converge_timeout)
            return
        # What beat does every minute or two, with a shorter grace so the drill stays short.
        redrive(older_than=timedelta(seconds=15))
        time.sleep(3)
