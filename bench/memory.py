"""``memory``: a web worker's and a Celery worker's RSS stay flat over many requests and tasks.

Web: gunicorn with one sync worker (one process to read) serves ``memory_requests`` requests
from one client, a steady mix of what crew and other services send: the crew portal (``GET
/crew/`` with a signed-in member's session), ``POST /api/scc/events`` (an upsert with a valid
``X-Service-Key``, cycling over a few dozen charters, so the table stays small and moto's cost
flat) and ``GET /api/scc/events/<id>``. Worker: a real Celery worker (prefork, one pool child,
no ``--max-tasks-per-child``, the ``targets`` queue) runs, at the same time, ``memory_tasks`` real
target pushes — a calendar entry (HTTP to the calendar API on the same gunicorn) and a guest page
(S3 write + CloudFront invalidation) for each of half as many charters.

The figure is RSS (``VmRSS`` in ``/proc/<pid>/status``) at the end over RSS after the first 100,
for each process; the row shows the process that grew more, the details both. A ceiling of
1.10: a leak of a few kilobytes per request or task would pass 10 % within 10,000 of them. A
run shorter than the issue's 10,000 requests / 2,000 tasks is also judged at that size, by the
readings' slope projected to it (a check). The same pid must be read at both points (a replaced
process would read flat for the wrong reason), every response must be 2xx and every push land.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from bench import events, harness, stack
from bench.charters import charters_create, demo_aws_ready
from bench.context import Context
from bench.portal import _session_cookie

FIRST = 100
CEILING = 1.10
API_REFS = 40
PORTAL_EVENTS = 5
MEMBER_EMAIL = "memory.bench@bench.example"
ISSUE_SIZES = {"web": 10_000, "worker": 2_000}  # the issue's counts; shorter runs project to them
SAMPLES = 10  # RSS readings along the way, for the report
DONE_TIMEOUT_SECONDS = 300


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 (after the parenthesised command, which may hold spaces) is the parent pid.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _grandchild(marker: str) -> int:
    """The one worker process under this process's child whose command line holds ``marker``."""
    for child in _children(os.getpid()):
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        if marker in cmdline:
            workers = _children(child)
            if len(workers) != 1:
                raise RuntimeError(f"expected one worker process under {child} ({marker}), found {workers}")
            return workers[0]
    raise RuntimeError(f"no child process running {marker!r}")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def _member() -> Any:
    from django.contrib.auth import get_user_model

    from crew.models import CrewMember

    user = get_user_model().objects.create_user(username=MEMBER_EMAIL, email=MEMBER_EMAIL)
    return CrewMember.objects.create(user=user, name="Memory Bench", email=MEMBER_EMAIL, roles=["captain"])


def _api_body(index: int) -> dict[str, Any]:
    event = events.bench_event(index % API_REFS, prefix="MEM")
    return {k: v for k, v in event.items() if k not in ("id", "version", "updated_at")}


def _requests(url: str, *, total: int, cookie: str, pid: int) -> dict[str, Any]:
    import httpx

    headers = {"X-Service-Key": stack.SERVICE_KEY}
    readings: list[tuple[int, int]] = []
    statuses: dict[int, int] = {}
    shown = 0
    every = max(1, total // SAMPLES)
    ids: list[str] = []
    with httpx.Client(base_url=url, timeout=30) as http:
        for i in range(total):
            kind = i % 3
            if kind == 0:
                response = http.get("/crew/", headers={"Cookie": cookie}, follow_redirects=False)
                shown += response.status_code == 200 and "Sunset sail" in response.text
            elif kind == 1 or not ids:
                response = http.post("/api/scc/events", json=_api_body(i), headers=headers)
                if response.status_code in (200, 201) and len(ids) < API_REFS:
                    ids.append(str(response.json()["id"]))
            else:
                response = http.get(f"/api/scc/events/{ids[i % len(ids)]}", headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            done = i + 1
            if done in (FIRST, total) or done % every == 0:
                readings.append((done, rss_kib(pid)))
    return {"readings": readings, "statuses": statuses, "portal_pages_listing_events": shown}


def _tasks_seed(count: int, brand: Any) -> list[Any]:
    """``count`` confirmed charters whose calendar entry and guest page are due (rows pending)."""
    from bookings.models import CalendarEntry
    from bookings.payloads import target_fingerprint
    from guestpages.models import GuestPage

    charters = charters_create(count, brand=brand, label="memory")
    CalendarEntry.objects.bulk_create(
        CalendarEntry(charter=c, wanted_fingerprint=target_fingerprint("calendar_entry", c)) for c in charters
    )
    GuestPage.objects.bulk_create(
        GuestPage(charter=c, wanted_fingerprint=target_fingerprint("guest_page", c)) for c in charters
    )
    return charters


def _pushed(charters: list[Any], states: tuple[str, ...] = ("synced",)) -> int:
    from bookings.models import CalendarEntry
    from guestpages.models import GuestPage

    return sum(
        model.objects.filter(charter__in=charters, sync_state__in=states).count()
        for model in (CalendarEntry, GuestPage)
    )


def _wait_pushed(charters: list[Any], expected: int) -> None:
    """Until ``expected`` pushes have ended, landed or not (a failure is the check's to report)."""
    deadline = time.monotonic() + DONE_TIMEOUT_SECONDS
    while _pushed(charters, ("synced", "failed")) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{expected} pushes were not done within {DONE_TIMEOUT_SECONDS} s")
        time.sleep(0.1)


def _tasks(charters: list[Any], *, pid: int) -> dict[str, Any]:
    from bookings.models import CalendarEntry
    from bookings.tasks import push_calendar_entry, push_guest_page
    from guestpages.models import GuestPage

    rows = {
        "calendar_entry": dict(CalendarEntry.objects.filter(charter__in=charters).values_list("charter_id", "pk")),
        "guest_page": dict(GuestPage.objects.filter(charter__in=charters).values_list("charter_id", "pk")),
    }
    readings: list[tuple[int, int]] = []
    order = [(task, rows[kind][c.pk]) for c in charters for kind, task in (
        ("calendar_entry", push_calendar_entry), ("guest_page", push_guest_page))]  # fmt: skip
    total = len(order)
    marks = sorted({FIRST, *range(total // SAMPLES, total + 1, max(1, total // SAMPLES)), total})
    sent = 0
    for mark in marks:
        for task, row_id in order[sent:mark]:
            task.delay(row_id)
        sent = mark
        _wait_pushed(charters, mark)
        readings.append((mark, rss_kib(pid)))
    return {"readings": readings}


def _tasks_timed(charters: list[Any], pid: int, into: dict[str, Any]) -> None:
    from django.db import connection

    try:
        with harness.stopwatch() as elapsed:
            into.update(_tasks(charters, pid=pid))
        into["seconds"] = round(elapsed(), 1)
    except Exception as exc:  # reported by run(), which raises
        into["error"] = repr(exc)
    finally:
        connection.close()


def _projected(readings: list[tuple[int, int]], at: int) -> float:
    """RSS growth projected to ``at`` requests or tasks from the readings' slope after FIRST, as a
    ratio to the reading after FIRST (a run shorter than the issue's still judges its size)."""
    import statistics

    points = [(done, kib) for done, kib in readings if done >= FIRST]
    if len(points) < 3:
        return points[-1][1] / points[0][1]
    slope = statistics.linear_regression([d for d, _ in points], [k for _, k in points]).slope
    return (points[0][1] + max(0.0, slope) * (at - FIRST)) / points[0][1]


def run(ctx: Context) -> harness.Result:
    from crew.dynamo import crew_event_write, crew_events_table_ensure

    stack.redis_flush()
    brand = demo_aws_ready()
    crew_events_table_ensure()
    member = _member()
    for i in range(PORTAL_EVENTS):
        event = events.bench_event(i, crew=2, prefix="MEMPORTAL")
        event["crew"][0]["email"] = MEMBER_EMAIL
        crew_event_write(event)
    cookie = _session_cookie(member)
    total_requests = ctx.size("memory_requests")
    charters = _tasks_seed(ctx.size("memory_tasks") // 2, brand)
    port = ctx.size("site_port")
    with stack.gunicorn(port, workers=1, log=ctx.workdir / "gunicorn-memory.log") as url:
        web_pid = _grandchild(f"--bind=127.0.0.1:{port}")
        # The target pushes only: the crew deliveries the API requests enqueue are not this side's.
        with stack.celery_worker(concurrency=1, log=ctx.workdir / "celery-memory.log", queues="targets"):
            worker_pid = _grandchild("celery")
            # The two processes are read at once (the tasks in a thread of their own): each side's
            # readings count only its own work, and the entry takes the longer of the two.
            worker: dict[str, Any] = {}
            tasks = threading.Thread(target=_tasks_timed, args=(charters, worker_pid, worker), daemon=True)
            tasks.start()
            with harness.stopwatch() as elapsed:
                web = _requests(url, total=total_requests, cookie=cookie, pid=web_pid)
            web["seconds"] = round(elapsed(), 1)
            ctx.log(f"memory: {total_requests} requests in {web['seconds']} s")
            tasks.join(timeout=DONE_TIMEOUT_SECONDS)
            if "readings" not in worker:
                raise RuntimeError(f"the worker side did not finish: {worker.get('error', 'timed out')}")
            ctx.log(f"memory: {len(charters) * 2} tasks in {worker['seconds']} s")
            web["pid_unchanged"] = _grandchild(f"--bind=127.0.0.1:{port}") == web_pid
            worker["pid_unchanged"] = _grandchild("celery") == worker_pid
    growth = {}
    for name, side in (("web", web), ("worker", worker)):
        first = next(kib for done, kib in side["readings"] if done == FIRST)
        side["rss_after_first_kib"], side["rss_end_kib"] = first, side["readings"][-1][1]
        growth[name] = side["rss_end_kib"] / first
        side["growth"] = round(growth[name], 3)
        side["projected_growth_at_issue_size"] = round(_projected(side["readings"], ISSUE_SIZES[name]), 3)
    worst = max(growth, key=lambda name: growth[name])
    chosen = web if worst == "web" else worker
    ctx.log(f"memory: web {web['rss_after_first_kib']} → {web['rss_end_kib']} KiB, "
            f"worker {worker['rss_after_first_kib']} → {worker['rss_end_kib']} KiB")  # fmt: skip
    portal_requests = (total_requests + 2) // 3
    return harness.Result(
        name="memory",
        what=f"RSS at the end vs after the first {FIRST} ({worst} grew more; both in details)",
        unit="MiB RSS",
        higher_is_better=False,
        target=CEILING,
        product=[chosen["rss_end_kib"] / 1024],
        baseline=[chosen["rss_after_first_kib"] / 1024],
        sizes={"requests": total_requests, "tasks": len(charters) * 2},
        details={"web": web, "worker": worker, "worst": worst},
        checks={
            f"web RSS ≤ {CEILING:g}× after {FIRST}": growth["web"] <= CEILING,
            f"worker RSS ≤ {CEILING:g}× after {FIRST}": growth["worker"] <= CEILING,
            f"web RSS projected to {ISSUE_SIZES['web']:,} requests ≤ {CEILING:g}×": (
                web["projected_growth_at_issue_size"] <= CEILING
            ),
            f"worker RSS projected to {ISSUE_SIZES['worker']:,} tasks ≤ {CEILING:g}×": (
                worker["projected_growth_at_issue_size"] <= CEILING
            ),
            "same processes read": web["pid_unchanged"] and worker["pid_unchanged"],
            "no error responses": set(web["statuses"]) <= {200, 201},
            "portal lists the member's events": web["portal_pages_listing_events"] == portal_requests,
            "every push landed": _pushed(charters) == len(charters) * 2,
        },
    )
