"""The drill's fault schedule: what breaks, how often, in what order, and how each is counted.

``chaos.drill`` runs the charters; this module is what it throws at them: the rates at which the
botocore hooks (``chaos.faults``) fire in the workers and in the web process, the held guest-page
push and the SMTP timeout, the ``Injector`` thread that applies the process-level faults one after
the other while the flow runs (SIGKILL of a target push and of a crew notification, PostgreSQL
connection resets, the Redis restart), and the translation of the proxy's and the fault log's
records into the fault kinds ``DrillReport.REQUIRED`` names.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connection

from chaos.stack import Supervisor, queued

if TYPE_CHECKING:
    from chaos.drill import DrillConfig, DrillReport

logger = logging.getLogger("chaos")

WORKER_FAULTS = "dynamodb=0.06,s3_put=0.25,cloudfront=0.25"
WEB_FAULTS = "dynamodb=0.06"
HOLD_SECONDS = 30  # a held target push: the drill SIGKILLs it long before this ends
EMAIL_TIMEOUT = 4

PROXY_KINDS = {
    "503-before": "http-5xx-before",
    "502-after": "http-5xx-after",
    "timeout-before": "http-timeout-before",
    "timeout-after": "http-timeout-after",
}


def fault_log_counts(path: Path) -> Counter[str]:
    names = {
        "dynamodb": "dynamodb-throttle-worker",
        "dynamodb-web": "dynamodb-throttle-web",
        "s3_put": "s3-putobject-error",
        "cloudfront": "cloudfront-invalidation-error",
    }
    counts: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        kind = line.split(" ", 1)[0]
        if kind in names:
            counts[names[kind]] += 1
    return counts


class Injector(threading.Thread):
    """Injects the process-level faults one after the other while the flow runs."""

    def __init__(
        self,
        report: DrillReport,
        targets: Any,
        mail: Any,
        sink: Any,
        fault_log: Path,
        config: DrillConfig,
        charters: list[Any],
        supervisor: Supervisor,
    ) -> None:
        super().__init__(daemon=True)
        self.charters, self.supervisor = charters, supervisor
        self.report, self.targets, self.mail, self.sink = report, targets, mail, sink
        self.fault_log, self.config = fault_log, config

    def run(self) -> None:
        from chaos.checks import targets_done

        try:
            self._kill_target_push()
            self._kill_crew_notification()
            self._postgres_reset()
            # Lose the queues while there is work in them and some already done.
            deadline = time.monotonic() + self.config.fault_seconds / 2
            while targets_done(self.charters) < 0.3 and time.monotonic() < deadline:
                time.sleep(0.5)
            self._redis_restart()
            time.sleep(3)
            self._postgres_reset()
        except Exception:
            logger.exception("chaos: the injector failed")
            self.report.notes.append("the injector failed; see the log")
        finally:
            connection.close()

    def _wait_line(self, prefix: str, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.fault_log.read_text().splitlines():
                if line.startswith(prefix):
                    return line
            time.sleep(0.1)
        return None

    def _kill_target_push(self) -> None:
        """Hold one guest-page push at its start (observed started), SIGKILL that pool process."""
        time.sleep(2)
        Path(os.environ["JADA_CHAOS_SWITCH"] + ".hold").write_text("1")
        line = self._wait_line("task-held bookings.tasks.push_guest_page", timeout=60)
        if line is None:
            self.report.notes.append("no guest-page push was seen starting")
            return
        os.kill(int(line.split()[-1]), signal.SIGKILL)
        self.report.injected["sigkill-target-push"] += 1

    def _kill_crew_notification(self) -> None:
        """Hold the mail server's answer to one notification's EHLO (its row is locked) and
        SIGKILL the whole mail worker then, like an OOM-killed container; start a new one."""
        self.sink.hold_next(EMAIL_TIMEOUT - 1)
        if not self.sink.held.wait(timeout=90):
            self.report.notes.append("no crew notification was seen sending")
            return
        with self.supervisor.lock:
            self.mail.kill()
            self.report.injected["sigkill-crew-notification"] += 1
            self.mail.start()

    def _redis_restart(self) -> None:
        time.sleep(1)
        self.report.notes.append(f"queued when Redis restarted: {queued(self.config.redis_url)}")
        self.config.redis_restart()
        self.report.injected["redis-restart-queues-lost"] += 1

    def _postgres_reset(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'jada-chaos-worker' AND pid <> pg_backend_pid()"
            )
            (count,) = cursor.fetchone() or (0,)
        self.report.injected["postgres-connection-reset"] += int(count)
