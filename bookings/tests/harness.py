"""Real moving parts for the integration tests: a Celery worker process, a fault proxy, mail on disk.

Nothing here mocks our code. The worker is ``celery -A jada worker`` in its own process group
(so it can be SIGKILLed like a crashed container), pointed at the test database, the test Redis
DB, a moto server and the live server. The proxy sits between the worker and the live server's
APIs and fails some requests the ways networks do: 5xx without forwarding, 5xx *after*
forwarding (the write happened, the caller does not know), and timeouts before or after.
"""

from __future__ import annotations

import contextlib
import email
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}


def database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def worker_env(*, redis_url: str, aws_url: str, api_url: str, mail_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production-like worker talking to the test's services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JADA_", "CELERY_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "jada.settings",
            "JADA_IGNORE_DOTENV": "true",
            "DJANGO_SECRET_KEY": "integration-test-secret-key-0123456789abcdef",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "AWS_ENDPOINT_URL": aws_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": str(settings.AWS_DEFAULT_REGION),
            "CREW_EVENTS_TABLE": str(settings.CREW_EVENTS_TABLE),
            "DASHBOARD_TOKEN": str(settings.DASHBOARD_TOKEN),
            "SERVICE_KEY_HASH": str(settings.SERVICE_KEY_HASH),
            "SCC_SERVICE_KEY": str(settings.SCC_SERVICE_KEY),
            "JADA_SITE_URL": api_url,
            "PUBLIC_API_URL": api_url,
            "SCC_API_URL": f"{api_url}/api/scc",
            "CALENDAR_API_URL": f"{api_url}/api/calendar",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "HTTP_CLIENT_TIMEOUT_SECONDS": "2",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


class Worker:
    """``celery -A jada worker`` as a separate process group we can start, kill and restart."""

    def __init__(self, env: dict[str, str], log_path: Path, concurrency: int = 4) -> None:
        self.env, self.log_path, self.concurrency = env, log_path, concurrency
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = self.log_path.open("ab")
        argv = [sys.executable, "-m", "celery", "-A", "jada", "worker", "--loglevel", "warning"]
        argv += ["--concurrency", str(self.concurrency), "--pool", "prefork"]
        argv += ["--hostname", f"flowtest{self.starts}-{os.getpid()}@%h"]
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--include", "bookings.tests.faults"]
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def children(self) -> list[int]:
        """The prefork pool processes (the ones that run tasks)."""
        if not self.alive():
            return []
        assert self.proc is not None
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return pids

    def kill_pool(self) -> list[int]:
        """SIGKILL every pool process at once, so whichever runs a task dies mid-task; the parent
        sees WorkerLostError, re-queues the task (reject_on_worker_lost) and forks new ones."""
        children = self.children()
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        return children

    def kill(self) -> None:
        """SIGKILL the whole worker (parent and pool), like an OOM-killed container."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)  # warm shutdown: the parent lets running tasks finish
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_for(
    condition: Callable[[], Any], *, timeout: float, interval: float = 0.3, what: str | Callable[[], str] = ""
) -> Any:
    """Poll ``condition`` until truthy; on timeout say what was awaited (``what`` may be computed then)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {described or condition}")
        time.sleep(interval)


def mails(mail_dir: Path) -> list[email.message.Message]:
    """Every message the file-based e-mail backend wrote (one file per connection, '-'*79 between)."""
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_text(errors="replace").split("\n" + "-" * 79 + "\n"):
            if chunk.strip():
                found.append(email.message_from_string(chunk.lstrip("\n")))
    return found


def mails_by_recipient(mail_dir: Path) -> Counter[str]:
    return Counter(str(m["To"]).strip().lower() for m in mails(mail_dir))


class FaultProxy:
    """An HTTP proxy in front of the live server that fails a share of requests while ``faulty``."""

    def __init__(self, upstream: str, *, seed: int = 7, timeout_sleep: float = 3.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.faulty = True
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.timeout_sleep = timeout_sleep
        self._client = httpx.Client(timeout=30)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                proxy.handle(self)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._client.close()

    def _fault(self) -> str:
        with self.lock:
            if not self.faulty:
                return "ok"
            roll = self.random.random()
        if roll < 0.12:
            return "503-before"
        if roll < 0.20:
            return "502-after"
        if roll < 0.24:
            return "timeout-before"
        if roll < 0.28:
            return "timeout-after"
        return "ok"

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        fault = self._fault()
        with self.lock:
            self.counts[fault] += 1
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        if fault == "503-before":
            return self._reply(request, 503, b'{"error": "injected: service unavailable"}')
        if fault == "timeout-before":
            time.sleep(self.timeout_sleep)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            upstream = self._client.request(
                request.command, self.upstream + request.path, content=body, headers=headers
            )
        except httpx.HTTPError:
            return self._reply(request, 502, b'{"error": "injected: upstream unreachable"}')
        if fault == "502-after":
            return self._reply(request, 502, b'{"error": "injected: bad gateway after the write"}')
        if fault == "timeout-after":
            time.sleep(self.timeout_sleep)
        self._reply(request, upstream.status_code, upstream.content, upstream.headers.get("content-type"))

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str | None = None) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", ctype or "application/json")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except OSError:
            pass  # the caller timed out and hung up: exactly the point of some faults


CONTRACTS = ("guestpages.services", "crew.client")


def contracts_missing(*names: str) -> list[str]:
    """Modules of the parallel parts the end-to-end tests need that are not in the tree yet.

    A missing module skips those tests; a present but broken one fails them (it is imported).
    """
    return [name for name in names or CONTRACTS if find_spec(name) is None]


needs_contracts = pytest.mark.skipif(bool(contracts_missing()), reason=f"not landed yet: {contracts_missing()}")
needs_scc = pytest.mark.skipif(bool(contracts_missing("crew.client")), reason="the SCC client has not landed yet")
