"""The stack every benchmark measures against: moto and dynalite on loopback, PostgreSQL, Redis, gunicorn, Celery.

One moto ``ThreadedMotoServer`` on 127.0.0.1 (in its own process) serves S3 and CloudFront, and one
dynalite (``bench/dynalite``, Node) serves DynamoDB (``AWS_ENDPOINT_URL_DYNAMODB``), to both the
product's path and its baseline, so both pay the same stand-in costs. DynamoDB goes to dynalite
because its Scan and Query cost is linear in the items read; moto's Scan re-walks the table from
its first item for every page (quadratic), which capped the sweep at 10,000 items. The tests keep
moto. The database (``test_jada_bench``) is dropped and migrated
afresh for each run; Redis DB 10 is flushed. Web server and worker are real subprocesses that
inherit this process's environment, hence the same settings.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DB_NAME = os.environ.get("JADA_BENCH_DB_NAME", "test_jada_bench")
REDIS_DB = int(os.environ.get("JADA_BENCH_REDIS_DB", "10"))
PG: dict[str, Any] = {"host": "127.0.0.1", "port": 5432, "user": os.environ.get("JADA_BENCH_PG_USER", "postgres")}
SERVICE_KEY = "bench-" + secrets.token_urlsafe(24)
DASHBOARD_TOKEN = "bench-" + secrets.token_urlsafe(24)


class StackError(RuntimeError):
    """A service the benchmarks need is missing; the message says how to provide it."""


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MotoProcess:
    """A moto ``ThreadedMotoServer`` on 127.0.0.1, in a process of its own.

    In its own process the stand-in does not share this process's interpreter lock with the
    benchmark's client threads (the sweep runs four), as a real remote service would not; in
    process, a starved server let Scan pages time out under load.
    """

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._ports: Any = context.Queue()
        self._process = context.Process(target=_moto_serve, args=(self._ports,), daemon=True, name="moto")

    def start(self) -> str:
        self._process.start()
        port = self._ports.get(timeout=60)
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=10)


def _moto_serve(ports: Any) -> None:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    ports.put(server.get_host_and_port()[1])
    threading.Event().wait()  # serve until the parent terminates this process


def moto_start() -> tuple[MotoProcess, str]:
    """Start the AWS stand-in on loopback; returns (server, endpoint URL)."""
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
    server = MotoProcess()
    return server, server.start()


DYNALITE_DIR = ROOT / "bench" / "dynalite"
DYNALITE_BIN = DYNALITE_DIR / "node_modules" / ".bin" / "dynalite"


class DynaliteProcess:
    """dynalite on 127.0.0.1 (in memory), tables ACTIVE at once instead of after dynalite's 500 ms."""

    def __init__(self, *, log: Path) -> None:
        self._log = log
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        node = shutil.which("node")
        if node is None or not DYNALITE_BIN.exists():
            raise StackError(
                "dynalite is not installed: run `npm ci --prefix bench/dynalite` (make bench does), with Node 20."
            )
        port = free_port()
        args = [node, str(DYNALITE_BIN), "--host", "127.0.0.1", "--port", str(port)]
        args += ["--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"]
        with self._log.open("ab") as out:
            self._proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + 30
        while not _answers("127.0.0.1", port):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise StackError(f"dynalite did not start on port {port}; see {self._log}")
            time.sleep(0.1)
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._proc is not None:
            _stop(self._proc)


def dynalite_reset() -> None:
    """Delete every DynamoDB table, so a benchmark starts from nothing (dynalite keeps no files)."""
    from jada.aws import aws_client

    ddb = aws_client("dynamodb")
    for page in ddb.get_paginator("list_tables").paginate():
        for name in page.get("TableNames", []):
            ddb.delete_table(TableName=name)
            ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 200})


def database_empty() -> None:
    """Empty every table (``flush``: TRUNCATE, then the post-migrate setup again, e.g. the office
    groups), so each benchmark starts from the same database whatever ran before it."""
    from django.core.management import call_command
    from django.db import connection

    connection.close()  # a benchmark may leave its connection inside a broken transaction
    call_command("flush", interactive=False, verbosity=0)


def moto_reset(endpoint: str) -> None:
    """Drop every bucket, table and distribution so a benchmark starts from nothing."""
    import httpx

    httpx.post(f"{endpoint}/moto-api/reset", timeout=30).raise_for_status()


def environment_prepare(*, endpoint: str, dynamodb_endpoint: str, site_url: str) -> None:
    """Fill os.environ before Django starts; subprocesses inherit it."""
    import bcrypt

    if not _answers(PG["host"], int(PG["port"])):
        raise StackError("PostgreSQL does not answer on 127.0.0.1:5432; start it (the bench needs a real database).")
    if not _answers("127.0.0.1", 6379):
        raise StackError("Redis does not answer on 127.0.0.1:6379; start it (the flow benchmark needs a real worker).")
    # Cost 12, as production would use: the api benchmark shows it is paid once, not per request.
    key_hash = bcrypt.hashpw(SERVICE_KEY.encode(), bcrypt.gensalt(rounds=12)).decode()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "JADA_IGNORE_DOTENV": "true",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_SSL_REDIRECT": "false",  # plain HTTP on loopback, as a TLS-terminating proxy would forward
            "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{DB_NAME}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "CREW_EVENTS_TABLE": "scc-events-bench",
            "SERVICE_KEY_HASH": key_hash,
            "SCC_SERVICE_KEY": SERVICE_KEY,
            "DASHBOARD_TOKEN": DASHBOARD_TOKEN,
            "JADA_SITE_URL": site_url,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }
    )
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "SCC_API_URL", "CALENDAR_API_URL", "PUBLIC_API_URL"):
        os.environ.pop(name, None)


def database_recreate() -> None:
    """Drop and create ``test_jada_bench`` so every run starts from the same empty schema."""
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def redis_flush() -> None:
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()


def django_start() -> None:
    import django
    from django.core.management import call_command

    sys.path.insert(0, str(ROOT))
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def wait_http(url: str, *, timeout: float = 60) -> None:
    """Wait until ``url`` answers (a server started with ``wait=False``)."""
    _wait_http(url, None, timeout=timeout)


def _wait_http(url: str, proc: subprocess.Popen[bytes] | None, *, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise StackError(f"{proc.args!r} exited with {proc.returncode} before answering {url}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code < 500:
                return
        time.sleep(0.2)
    raise StackError(f"{url} did not answer within {timeout:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def gunicorn(port: int, *, workers: int = 2, log: Path, wait: bool = True) -> Iterator[str]:
    """gunicorn with ``workers`` sync workers on loopback, serving bench.settings; yields its URL
    once it answers (at once with ``wait=False``: the caller does other work, then ``wait_http``)."""
    url = f"http://127.0.0.1:{port}"
    args = [
        str(VENV_BIN / "gunicorn"),
        "jada.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--access-logfile=-" if os.environ.get("JADA_BENCH_ACCESS_LOG") else "--log-level=warning",
        "--backlog=2048",
    ]
    with log.open("ab") as out:
        proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        if wait:
            _wait_http(f"{url}/healthz", proc)
        yield url
    finally:
        _stop(proc)


@contextlib.contextmanager
def celery_worker(*, concurrency: int = 2, log: Path, queues: str = "") -> Iterator[None]:
    """A real Celery worker on the bench's Redis DB (prefork), on every queue unless ``queues``
    names some; waits until it answers a ping."""
    args = [
        str(VENV_BIN / "celery"),
        "-A",
        "jada",
        "worker",
        f"--loglevel={os.environ.get('JADA_BENCH_WORKER_LOG_LEVEL', 'WARNING')}",  # INFO logs each task's duration
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        *([f"--queues={queues}"] if queues else []),
    ]
    with log.open("ab") as out:
        proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        from jada.celery import app

        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise StackError(f"the Celery worker did not start; see {log}")
        yield
    finally:
        _stop(proc)


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise StackError("wrk is not installed; `make bench` installs Debian's package (apt-get install -y wrk).")
    return path
