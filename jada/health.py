"""Liveness and readiness for load balancers, container probes and operators.

``/healthz`` answers while the process serves and checks nothing else: a database blip must not
make every web process look dead at once. ``/readyz`` checks what a request or a job needs — the
database, the broker, each brand's bucket, the crew-events table, a worker answering a ping and
beat's last heartbeat — each within a short timeout, and answers 503 naming what failed. On the
embedded default (no ``REDIS_URL``) tasks run in-process, so the broker, worker and beat checks
do not apply. The checks are django-health-check's (``manage.py health_check readyz`` probes a
running server; ``health_check readyz_worker --no-http`` is the worker container's own probe).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import datetime
from collections.abc import Iterator
from typing import Any

from asgiref.sync import sync_to_async
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.generic import View
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from jada.aws import aws_probe_client

PROBE_TIMEOUT = datetime.timedelta(seconds=3)
# A beat job is late when its heartbeat is older than twice its interval plus this slack.
BEAT_SLACK = datetime.timedelta(minutes=1)


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process serves requests. Deliberately checks no dependency."""
    return JsonResponse({"ok": True})


def beat_heartbeat(name: str) -> None:
    """Record that beat job ``name`` (the task's dotted name) is starting now.

    Call it first thing in every task that ``CELERY_BEAT_SCHEDULE`` runs; readiness reports beat
    as down when a scheduled task's heartbeat is older than twice its interval.
    """
    from jada.models import BeatHeartbeat

    BeatHeartbeat.objects.update_or_create(task=name, defaults={"last_beat_at": timezone.now()})


def beat_result(name: str, result: dict[str, Any]) -> None:
    """Keep what beat job ``name`` found on its last finished run (e.g. the scrub sweep's
    dirty count), for /metrics and the admin's "needs attention" list."""
    from jada.models import BeatHeartbeat

    BeatHeartbeat.objects.update_or_create(
        task=name,
        defaults={"last_result": result},
        create_defaults={"last_beat_at": timezone.now(), "last_result": result},
    )


@dataclasses.dataclass
class Named(HealthCheck):
    """A check reported under our name (``database``, ``bucket:<brand>``) instead of its repr."""

    name: str
    check: HealthCheck = dataclasses.field(repr=False)

    def __post_init__(self) -> None:
        self.timeout = PROBE_TIMEOUT

    def __repr__(self) -> str:
        return self.name

    async def run(self) -> None:
        if asyncio.iscoroutinefunction(self.check.run):
            await self.check.run()
        else:
            await asyncio.get_running_loop().run_in_executor(None, self.check.run)


@dataclasses.dataclass
class BrandBucket(HealthCheck):
    """The brand's bucket exists and this process may use it (HeadBucket)."""

    bucket: str
    region: str

    def run(self) -> None:
        try:
            aws_probe_client("s3", region=self.region).head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise ServiceUnavailable(f"HeadBucket {self.bucket}: {code}") from exc
        except BotoCoreError as exc:
            raise ServiceUnavailable(f"HeadBucket {self.bucket}: {type(exc).__name__}") from exc


@dataclasses.dataclass
class CrewEventsTable(HealthCheck):
    """The crew-events table exists and is ACTIVE (DescribeTable)."""

    table: str

    def run(self) -> None:
        try:
            described = aws_probe_client("dynamodb").describe_table(TableName=self.table)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise ServiceUnavailable(f"DescribeTable {self.table}: {code}") from exc
        except BotoCoreError as exc:
            raise ServiceUnavailable(f"DescribeTable {self.table}: {type(exc).__name__}") from exc
        status = described["Table"].get("TableStatus")
        if status != "ACTIVE":
            raise ServiceUnavailable(f"Table {self.table} is {status}")


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Redis broker answers a PING within a second."""

    url: str = dataclasses.field(repr=False)

    def run(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        except redis.RedisError as exc:
            raise ServiceUnavailable(f"Redis: {type(exc).__name__}") from exc
        finally:
            client.close()


@dataclasses.dataclass
class WorkerPing(HealthCheck):
    """At least one Celery worker answers a control ping within a second."""

    def run(self) -> None:
        from jada.celery import app

        try:
            replies = app.control.ping(timeout=1.0)
        except OSError as exc:
            raise ServiceUnavailable(f"Broker: {type(exc).__name__}") from exc
        if not replies:
            raise ServiceUnavailable("No Celery worker answered a ping within 1 s")


def _beat_intervals() -> dict[str, float]:
    """Task name → interval in seconds of the settings-declared beat jobs (interval schedules)."""
    intervals: dict[str, float] = {}
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        schedule = entry.get("schedule")
        seconds = schedule.total_seconds() if isinstance(schedule, datetime.timedelta) else schedule
        if isinstance(seconds, int | float):
            intervals[str(entry["task"])] = float(seconds)
    return intervals


def beat_late_jobs(now: datetime.datetime | None = None) -> list[str]:
    """Sentences naming each beat job whose heartbeat is missing or older than twice its interval."""
    from jada.models import BeatHeartbeat

    now = now or timezone.now()
    beats = dict(BeatHeartbeat.objects.values_list("task", "last_beat_at"))
    late = []
    for task, seconds in sorted(_beat_intervals().items()):
        last = beats.get(task)
        allowed = datetime.timedelta(seconds=2 * seconds) + BEAT_SLACK
        if last is None:
            late.append(f"{task} has never run")
        elif now - last > allowed:
            minutes = int((now - last).total_seconds() // 60)
            late.append(f"{task} last ran {minutes} min ago (every {int(seconds)} s)")
    return late


@dataclasses.dataclass
class BeatHeartbeats(HealthCheck):
    """Every settings-declared beat job started within twice its interval."""

    # Read beforehand in the request's thread (and so its database connection) when given.
    late: list[str] | None = dataclasses.field(default=None, repr=False)

    async def run(self) -> None:
        late = self.late if self.late is not None else await sync_to_async(beat_late_jobs)()
        if late:
            raise ServiceUnavailable("; ".join(late))


def _brand_buckets() -> list[tuple[str, str, str]]:
    from bookings.models import Brand

    return list(Brand.objects.order_by("slug").values_list("slug", "bucket", "region"))


def _brand_buckets_off_loop() -> list[tuple[str, str, str]]:
    """The brand list from a plain thread: ``manage.py health_check --no-http`` calls
    ``get_checks`` inside its event loop, where Django refuses database queries."""

    def query() -> list[tuple[str, str, str]]:
        try:
            return _brand_buckets()
        finally:
            close_old_connections()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(query).result(timeout=PROBE_TIMEOUT.total_seconds())


class ReadinessView(HealthCheckView):
    """``/readyz``: 200 when every check passes, else 503; JSON ``{"ready", "checks": {name: result}}``."""

    worker_only = False
    _brands: list[tuple[str, str, str]] | None = None

    _beat_late: list[str] | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Synchronous, unlike the library's view: the request thread reads the database (brands,
        # heartbeats) with its own connection, and the probes run concurrently on an event loop
        # of their own — never one borrowed from the caller's thread, which may already run one.
        response = View.dispatch(self, request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.worker_only:
            self._brands = _brand_buckets()
            self._beat_late = beat_late_jobs() if settings.REDIS_URL else None
        checks = list(self.get_checks())

        async def run_all() -> list[Any]:
            return list(await asyncio.gather(*(check.get_result() for check in checks)))

        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            self.results = pool.submit(lambda: asyncio.run(run_all())).result()
        if request.headers.get("accept", "").startswith("text/plain"):
            return self.render_to_response_text(self._status())
        return self.render_to_response_json(self._status())

    def _status(self) -> int:
        return 503 if any(result.error for result in self.results) else 200

    def render_to_response_json(self, status: int) -> JsonResponse:
        checks = {repr(r.check): "OK" if not r.error else str(r.error) for r in self.results}
        return JsonResponse({"ready": status == 200, "checks": checks}, status=status)

    def render_to_response_text(self, status: int) -> HttpResponse:
        # The plain-text form is what `manage.py health_check` asks for; it reads only 500 as
        # "a check failed" (printing the body, exit 1), so this form keeps the library's code.
        return super().render_to_response_text(500 if status != 200 else 200)

    def get_checks(self) -> Iterator[HealthCheck]:
        redis_url = settings.REDIS_URL
        if self.worker_only:
            if redis_url:
                yield Named(name="broker", check=Broker(url=redis_url))
                yield Named(name="worker", check=WorkerPing())
            return
        yield Named(name="database", check=Database())
        if redis_url:
            yield Named(name="broker", check=Broker(url=redis_url))
        brands = self._brands if self._brands is not None else _brand_buckets_off_loop()
        for slug, bucket, region in brands:
            yield Named(name=f"bucket:{slug}", check=BrandBucket(bucket=bucket, region=region))
        table = str(settings.CREW_EVENTS_TABLE)
        yield Named(name="crew-events-table", check=CrewEventsTable(table=table))
        if redis_url:
            yield Named(name="worker", check=WorkerPing())
            yield Named(name="beat", check=BeatHeartbeats(late=self._beat_late))
