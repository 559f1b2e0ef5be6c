"""``manage.py chaos`` (``make chaos``): the fault drill on PostgreSQL + Redis + real workers.

Drops and re-creates the database named by ``DATABASE_URL`` (it must be a throw-away one: the
Makefile uses ``jada_chaos``), runs its own ``redis-server`` without persistence on
``--redis-port`` (so the drill can restart it and lose every queued message), and runs
``chaos.drill.drill_run``. Prints the figures table; exits 1 if anything was lost or doubled,
a fault kind was never injected, or a log shows a traceback that was not injected.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import bcrypt
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class RedisServer:
    """A ``redis-server`` of our own, without persistence: a restart loses every queued message."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.binary = shutil.which("redis-server") or "redis-server"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603  (our own argv)
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise CommandError(f"redis-server did not start on port {self.port}; see {self.log}") from None
                time.sleep(0.1)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def restart(self) -> None:
        self.kill()  # SIGKILL: no shutdown save, and persistence is off anyway
        self.start()


class Command(BaseCommand):
    help = "The fault drill: ≥ 100 charters through PostgreSQL, Redis and real workers while everything fails."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--charters", type=int, default=100)
        parser.add_argument("--redis-port", type=int, default=18301)
        parser.add_argument("--workdir", default="")
        parser.add_argument("--fault-seconds", type=float, default=150.0)
        parser.add_argument("--converge-timeout", type=float, default=240.0)

    def handle(self, *args: Any, **options: Any) -> None:
        from chaos.drill import DrillConfig, drill_run

        if shutil.which("redis-server") is None:
            raise CommandError("redis-server is not installed (apt-get install -y redis-server).")
        if connection.vendor != "postgresql" or str(settings.DATABASES["default"]["NAME"]) != "jada_chaos":
            raise CommandError("Run through `make chaos`: DATABASE_URL must name the throw-away database jada_chaos.")
        redis_url = str(settings.CELERY_BROKER_URL)
        if not redis_url.startswith(f"redis://127.0.0.1:{options['redis_port']}/"):
            raise CommandError(
                f"REDIS_URL must be redis://127.0.0.1:{options['redis_port']}/N (the drill's own Redis)."
            )
        # Stopped with SIGTERM (Ctrl-C is SIGINT already): still run the clean-up below.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        work = Path(options["workdir"] or tempfile.mkdtemp(prefix="jada-chaos-"))
        work.mkdir(parents=True, exist_ok=True)
        self._database_recreate()
        call_command("migrate", verbosity=0)
        key = "chaos-service-key-0123456789abcdef"
        settings.SCC_SERVICE_KEY = key
        settings.SERVICE_KEY_HASH = bcrypt.hashpw(key.encode(), bcrypt.gensalt(rounds=4)).decode()
        settings.DASHBOARD_TOKEN = "chaos-dashboard-token"  # noqa: S105  (a throw-away drill token)
        settings.HTTP_CLIENT_TIMEOUT_SECONDS = 2
        server = RedisServer(options["redis_port"], work / "redis.log")
        server.start()
        try:
            charters = options["charters"]
            report = drill_run(
                DrillConfig(
                    charters=charters,
                    workdir=work,
                    redis_url=redis_url,
                    redis_restart=server.restart,
                    edits=charters // 8,
                    crew_swaps=charters // 12,
                    cancels=charters // 10,
                    fault_seconds=options["fault_seconds"],
                    converge_timeout=options["converge_timeout"],
                )
            )
        finally:
            server.kill()
        self.stdout.write(report.table())
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        problems = report.counts.problems if report.counts else ["nothing was counted"]
        for problem in problems[:20]:
            self.stdout.write(f"problem: {problem}")
        self.stdout.write(f"logs and fault log: {work}")
        if not report.ok():
            missing = report.missing_faults()
            raise CommandError(f"the drill failed (never injected: {missing or 'none'}; problems: {len(problems)})")
        self.stdout.write(self.style.SUCCESS("chaos drill passed: lost 0, duplicated 0"))

    def _database_recreate(self) -> None:
        import psycopg

        db = settings.DATABASES["default"]
        connection.close()
        admin = psycopg.connect(
            host=db.get("HOST") or "127.0.0.1",
            port=int(db.get("PORT") or 5432),
            user=db.get("USER") or "postgres",
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
        )
        with admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')
