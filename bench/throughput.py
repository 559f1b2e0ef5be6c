"""``throughput``: many charters confirmed in one bulk action, until every one is fully done.

Product: the admin's bulk confirm, ``bookings.flow.charters_confirm`` over ``throughput`` fresh
charters (two crew each), on the real stack — gunicorn (2 workers) serving the calendar and SCC
APIs, one Celery worker with ``throughput_workers`` prefork processes consuming every queue
(prefetch 1), moto for S3, CloudFront and DynamoDB. A charter is *fully done* when its three
targets are recorded ``synced``, both crew members' e-mails ``sent`` and the guest's
confirmation ``sent``. The run lasts from just before the bulk action to the last charter done
(database timestamps); unit: charters fully done per second.

Baseline: a ``ThreadPoolExecutor`` of the same concurrency issuing, per twin charter, the same
remote calls with bare clients — S3 ``PutObject`` of the rendered page, CloudFront
``CreateInvalidation`` of its two paths, ``POST`` to the calendar API, ``POST`` to the SCC API,
then what the SCC side does in DynamoDB before its e-mails (scrub Query, verify GetItem,
delivery-mark UpdateItem). The e-mails cost no remote call on either side (``locmem``).

The worker consumes only during the product's runs: during the baseline's it is told to stop
consuming (Celery's ``cancel_consumer``), and the SCC deliveries the baseline's POSTs enqueue are
purged before it consumes again (their outbox rows stay pending; no beat runs), so neither
side's leftovers load the other.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from bench import harness, stack
from bench.charters import charters_create, demo_aws_ready
from bench.context import Context
from bench.flow import CREW_PER_CHARTER, _crew_assign, _remote_calls

DONE_TIMEOUT_SECONDS = 600
STAGES = ("confirmed", "guest_page", "calendar_entry", "crew_event", "crew_emailed", "guest_emailed")


def _done_count(charters: list[Any]) -> int:
    """How many of ``charters`` are fully done (a few aggregate queries, whatever their number)."""
    from bookings.models import CalendarEntry
    from crew.dynamo import crew_event_id
    from crew.models import CrewEvent, CrewNotification
    from guestpages.message_models import GuestMessage
    from guestpages.models import GuestPage

    ids = [c.pk for c in charters]
    counts = [
        model.objects.filter(charter_id__in=ids, sync_state="synced").count()
        for model in (GuestPage, CalendarEntry, CrewEvent)
    ]
    told = CrewNotification.objects.filter(event_id__in=[crew_event_id(c.code) for c in charters], state="sent")
    counts.append(told.count() // CREW_PER_CHARTER)
    counts.append(GuestMessage.objects.filter(charter_id__in=ids, kind="confirmation", state="sent").count())
    return min(counts)


def _wait_all_done(charters: list[Any]) -> None:
    from crew.dynamo import crew_event_id
    from crew.models import CrewNotification

    deadline = time.monotonic() + DONE_TIMEOUT_SECONDS
    while _done_count(charters) < len(charters):
        held = CrewNotification.objects.filter(event_id__in=[crew_event_id(c.code) for c in charters], state="held")
        if reason := held.values_list("last_error", flat=True).first():
            raise RuntimeError(f"a crew e-mail was held, so its charter will never be done: {reason}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(charters)} charters were not all done within {DONE_TIMEOUT_SECONDS} s")
        time.sleep(0.2)


def _stamps(charters: list[Any]) -> dict[int, dict[str, datetime]]:
    """Per charter, when each stage was done (database timestamps, read in bulk after the run)."""
    from django.db.models import Max

    from bookings.models import CalendarEntry
    from crew.dynamo import crew_event_id
    from crew.models import CrewEvent, CrewNotification
    from guestpages.message_models import GuestMessage
    from guestpages.models import GuestPage
    from jada.models import AuditEntry

    ids = [c.pk for c in charters]
    stamps: dict[int, dict[str, Any]] = {pk: {} for pk in ids}
    confirms = AuditEntry.objects.filter(action="charter.confirm", object_id__in=[str(pk) for pk in ids])
    for object_id, at in confirms.values_list("object_id", "created_at"):
        stamps[int(object_id)]["confirmed"] = at
    for name, model in (("guest_page", GuestPage), ("calendar_entry", CalendarEntry), ("crew_event", CrewEvent)):
        for pk, synced_at in model.objects.filter(charter_id__in=ids).values_list("charter_id", "last_synced_at"):
            stamps[pk][name] = synced_at
    by_event = {crew_event_id(c.code): c.pk for c in charters}
    sent = CrewNotification.objects.filter(event_id__in=list(by_event), state="sent")
    for event_id, at in sent.values("event_id").annotate(last=Max("sent_at")).values_list("event_id", "last"):
        stamps[by_event[event_id]]["crew_emailed"] = at
    guests = GuestMessage.objects.filter(charter_id__in=ids, kind="confirmation", state="sent")
    for pk, sent_at in guests.values_list("charter_id", "sent_at"):
        stamps[pk]["guest_emailed"] = sent_at
    return stamps


def _consuming(on: bool) -> None:
    """Let the bench's worker consume every queue again (after purging them), or stop it consuming."""
    from django.conf import settings

    from jada.celery import app

    queues = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    if on:
        with app.connection_for_write() as connection:
            channel: Any = connection.default_channel  # kombu's virtual channel (Redis) has queue_purge
            for queue in queues:
                channel.queue_purge(queue)
    for queue in queues:
        # The bench runs one worker: its reply ends the wait (without ``limit`` each call waits
        # out the broadcast's whole 1 s timeout, 5 s a toggle).
        replies = (app.control.add_consumer if on else app.control.cancel_consumer)(queue, reply=True, limit=1)
        if not replies:
            raise RuntimeError(f"the bench worker did not answer {'add' if on else 'cancel'}_consumer {queue}")


def _fresh(count: int, *, brand: Any, members: list[Any], label: str) -> list[Any]:
    charters = charters_create(count, brand=brand, status="inquiry", label=label)
    _crew_assign(charters, members)
    return charters


def run(ctx: Context) -> harness.Result:
    import httpx
    from django.utils import timezone

    from bookings.flow import charters_confirm
    from bookings.models import Charter
    from crew.models import CrewMember
    from jada.aws import aws_client

    stack.redis_flush()
    brand = demo_aws_ready()
    members = list(CrewMember.objects.order_by("pk")[:CREW_PER_CHARTER])
    count, workers = ctx.size("throughput"), ctx.size("throughput_workers")
    runs: dict[str, list[dict[str, Any]]] = {harness.PRODUCT: [], harness.BASELINE: []}
    checks: dict[str, bool] = {"every charter fully done, each crew member and guest told once": True}
    counter = iter(range(1_000))
    cloudfront = aws_client("cloudfront")

    def invalidations() -> int:
        pages = cloudfront.get_paginator("list_invalidations").paginate(DistributionId=brand.distribution_id)
        return sum(int(page["InvalidationList"].get("Quantity", 0)) for page in pages)

    with (
        stack.gunicorn(
            ctx.size("site_port"), workers=2, log=ctx.workdir / "gunicorn-throughput.log", wait=False
        ) as url,
        stack.celery_worker(concurrency=workers, log=ctx.workdir / "celery-throughput.log"),
        httpx.Client(timeout=30, limits=httpx.Limits(max_connections=workers)) as http,
    ):
        stack.wait_http(f"{url}/healthz")  # gunicorn booted while the worker did
        # Warm the worker's processes and both web workers (imports, connections, bcrypt once).
        warm = _fresh(workers, brand=brand, members=members, label="tpw")
        charters_confirm(charters=warm, actor="bench")
        _wait_all_done(warm)

        def product() -> float:
            n = next(counter)
            charters = _fresh(count, brand=brand, members=members, label=f"tpp{n}")
            _consuming(True)
            invalidated = invalidations()
            started = timezone.now()
            with harness.stopwatch() as action:
                results = charters_confirm(
                    charters=Charter.objects.filter(pk__in=[c.pk for c in charters]).order_by("pk"),
                    actor="bench",
                )
            confirm_seconds = action()
            _wait_all_done(charters)
            stamps = _stamps(charters)
            finished = max(max(s.values()) for s in stamps.values())
            seconds = (finished - started).total_seconds()
            checks["every charter fully done, each crew member and guest told once"] &= all(
                not error for _, error in results
            ) and _told_once(charters)
            summary = _summary(stamps, started=started, seconds=seconds, action=confirm_seconds)
            runs[harness.PRODUCT].append(summary | {"invalidations": invalidations() - invalidated})
            return harness.rate(count, seconds)

        def baseline() -> float:
            n = next(counter)
            charters = _fresh(count, brand=brand, members=members, label=f"tpb{n}")
            _consuming(False)  # the SCC deliveries its POSTs enqueue are not the baseline's work
            latencies: list[float] = []
            invalidated = invalidations()

            def one(charter: Any) -> None:
                latencies.append(_remote_calls(charter, brand=brand, http=http, url=url))

            with harness.stopwatch() as elapsed, ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(one, charters))
            seconds = elapsed()
            runs[harness.BASELINE].append(
                {
                    "seconds": seconds,
                    "remote_calls_per_charter_p50": harness.percentile(latencies, 0.5),
                    "remote_calls_per_charter_p95": harness.percentile(latencies, 0.95),
                    "invalidations": invalidations() - invalidated,
                }
            )
            return harness.rate(count, seconds)

        values = harness.alternate(
            rounds=ctx.rounds,
            product=product,
            baseline=baseline,
            on_run=lambda i, side, v: ctx.log(f"throughput round {i + 1} {side}: {v:,.2f} charters/s"),
        )
    return harness.Result(
        name="throughput",
        what=f"bulk confirm of {count} charters → every one live, crew and guest e-mailed ({workers} workers)",
        unit="charters/s",
        higher_is_better=True,
        target=0.7,
        product=values[harness.PRODUCT],
        baseline=values[harness.BASELINE],
        sizes={"charters": count, "worker_processes": workers, "crew_per_charter": CREW_PER_CHARTER},
        details={"runs": runs},
        checks=checks,
    )


def _told_once(charters: list[Any]) -> bool:
    from crew.dynamo import crew_event_id
    from crew.models import CrewNotification
    from guestpages.message_models import GuestMessage

    crew = CrewNotification.objects.filter(event_id__in=[crew_event_id(c.code) for c in charters])
    guests = GuestMessage.objects.filter(charter__in=charters, kind="confirmation")
    return crew.filter(state="sent").count() == crew.count() == CREW_PER_CHARTER * len(charters) and guests.filter(
        state="sent"
    ).count() == guests.count() == len(charters)


def _summary(
    stamps: dict[int, dict[str, datetime]], *, started: datetime, seconds: float, action: float
) -> dict[str, Any]:
    """Per charter p50/p95 (from its own confirm to fully done) and where the time went: each
    stage's p50/p95 measured from the charter's confirm, and from the start of the bulk action."""
    since: Callable[[datetime, datetime], float] = lambda at, origin: (at - origin).total_seconds()  # noqa: E731
    per_charter = [since(max(s.values()), s["confirmed"]) for s in stamps.values()]
    stages: dict[str, Any] = {}
    for name in STAGES[1:]:
        from_confirm = [since(s[name], s["confirmed"]) for s in stamps.values()]
        from_start = [since(s[name], started) for s in stamps.values()]
        stages[name] = {
            "p50_from_confirm": harness.percentile(from_confirm, 0.5),
            "p95_from_confirm": harness.percentile(from_confirm, 0.95),
            "last_from_start": max(from_start),
        }
    return {
        "seconds": seconds,
        "bulk_action_seconds": action,
        "per_charter_p50": harness.percentile(per_charter, 0.5),
        "per_charter_p95": harness.percentile(per_charter, 0.95),
        "stages": stages,
    }
