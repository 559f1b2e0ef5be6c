"""The parts the fault drill runs, apart from the stores: the WSGI app on loopback and the workers.

``chaos.drill`` starts these, and ``chaos.tests.test_outbox_kill`` borrows the worker and the queue
count: the project's WSGI app served on a loopback port with the web-process faults firing in its
requests, a ``celery worker`` subprocess on chosen queues with the fault hooks loaded
(``worker_class``), the supervisor that restarts a worker that exited as compose's restart policy
would, and ``queued``, the length of every Celery queue in Redis. Nothing here decides when a fault
happens; that is ``chaos.schedule``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.core.wsgi import get_wsgi_application

from chaos import faults

if TYPE_CHECKING:
    from chaos.drill import DrillReport

ROOT = Path(__file__).resolve().parent.parent
QUEUES = ("default", "targets", "mail", "intake", "maintenance")


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def web_server() -> Iterator[str]:
    """The project's WSGI app on loopback, faults (``WEB_FAULTS``) firing only in its requests."""
    app = get_wsgi_application()

    def faulty_app(environ: dict[str, Any], start_response: Any) -> Any:
        with faults.web_request():
            return app(environ, start_response)

    server = make_server("127.0.0.1", 0, faulty_app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def worker_class() -> Any:
    from bookings.tests.harness import Worker

    class DrillWorker(Worker):
        """A production-like worker on some queues, with the drill's fault hooks included."""

        def __init__(self, env: dict[str, str], log_path: Path, *, queues: str, concurrency: int) -> None:
            super().__init__(env, log_path, concurrency)
            self.queues = queues

        def start(self) -> None:
            import subprocess

            self.starts += 1
            argv = [sys.executable, "-m", "celery", "-A", "jada", "worker", "--loglevel", "warning"]
            argv += ["-Q", self.queues, "--concurrency", str(self.concurrency), "--pool", "prefork"]
            argv += ["--hostname", f"chaos-{self.queues.split(',')[0]}{self.starts}-{os.getpid()}@%h"]
            argv += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--include", "chaos.faults"]
            with self.log_path.open("ab") as log:
                self.proc = subprocess.Popen(  # noqa: S603  (our own argv)
                    argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )

    return DrillWorker


class Supervisor(threading.Thread):
    """What compose's ``restart: unless-stopped`` does: start a worker again when it exited.

    (Celery 5.7 / kombu 5.7 workers can exit with "Unrecoverable error" when the Redis they
    consume from restarts; production relies on the container restart policy for that.)
    """

    def __init__(self, workers: list[Any], report: DrillReport) -> None:
        super().__init__(daemon=True)
        self.workers, self.report = workers, report
        self.lock = threading.Lock()
        self.running = True

    def run(self) -> None:
        while self.running:
            with self.lock:
                for worker in self.workers:
                    if self.running and not worker.alive():
                        if worker.proc is not None:
                            worker.proc.wait()
                        self.report.restarts[worker.queues] += 1
                        worker.start()
            time.sleep(1)

    def stop(self) -> None:
        with self.lock:
            self.running = False


def queued(redis_url: str) -> dict[str, int]:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return {q: int(client.llen(q)) for q in QUEUES}
    except redis.RedisError:
        return {}
    finally:
        client.close()
