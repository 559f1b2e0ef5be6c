"""``sweep``: the scrub sweep over a table with 1 % leaked attributes vs a raw ``Scan``.

Product: ``crew.dynamo_sweep.crew_events_sweep()`` — a paginated Scan in parallel segments,
each item deserialised and checked against the allow-list, each leaked item cleaned with one
conditional ``UpdateItem``. Baseline: the same Scan request pattern (the same number of
parallel segments, each following its ``LastEvaluatedKey``) with the low-level client and
nothing done per item. DynamoDB is dynalite here (``bench/stack.py``): its Scan is linear in
the items read, so the sweep runs at the issue's 50,000 items. The leaked items are re-leaked (untimed) before every product run, so
each sweep finds and cleans the same 1 %. Unit: items scanned per second.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from bench import events, harness
from bench.context import Context
from bench.store import fresh_table

LEAKED_NOTES = "Revenue $1,450, captain fee $300; meet 14:00 at dock 7."


def _leaked(item: dict[str, Any]) -> dict[str, Any]:
    """What an old writer or a console edit might leave: money attributes and money in the notes."""
    return {**item, "revenue": Decimal(1450), "captain_fee": Decimal(300), "notes": LEAKED_NOTES}


def _batch_put(items: list[dict[str, Any]], *, threads: int = 1) -> None:
    from django.conf import settings

    from jada.aws import aws_client

    ddb = aws_client("dynamodb")

    def put(start: int) -> None:
        chunk = [{"PutRequest": {"Item": events.serialize(i)}} for i in items[start : start + 25]]
        while chunk:
            unsent = ddb.batch_write_item(RequestItems={settings.CREW_EVENTS_TABLE: chunk}).get("UnprocessedItems")
            chunk = (unsent or {}).get(settings.CREW_EVENTS_TABLE, [])

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(put, range(0, len(items), 25)))


def raw_scan(segments: int) -> int:
    """Every item of the table through ``segments`` parallel paginated Scans; returns the count."""
    from django.conf import settings

    from jada.aws import aws_client

    ddb = aws_client("dynamodb")

    def segment(n: int) -> int:
        seen = 0
        params: dict[str, Any] = {"TableName": settings.CREW_EVENTS_TABLE, "Segment": n, "TotalSegments": segments}
        for page in ddb.get_paginator("scan").paginate(**params):
            seen += len(page.get("Items", []))
        return seen

    with ThreadPoolExecutor(max_workers=segments) as pool:
        return sum(pool.map(segment, range(segments)))


def run(ctx: Context) -> harness.Result:
    from crew.dynamo_sweep import SWEEP_SEGMENTS, crew_events_sweep

    # Each sweep logs the planted leaks as an error, as it should; the JSON report carries it.
    logging.getLogger("crew.dynamo_sweep").setLevel(logging.CRITICAL)

    total = ctx.size("sweep")
    every = round(1 / ctx.sizes["sweep_leaked_fraction"])
    items = [item for i in range(total // 2 + 1) for item in events.store_items(events.bench_event(i, crew=1))]
    items = items[:total]
    leaked = [_leaked(item) for item in items[::every]]
    fresh_table()
    with harness.stopwatch() as seeding:
        _batch_put(items, threads=4)
    ctx.log(f"sweep: seeded {len(items):,} items ({len(leaked)} leaked) in {seeding():.1f} s")
    reports: list[dict[str, Any]] = []
    scanned: list[int] = []

    def product() -> float:
        _batch_put(leaked)
        with harness.stopwatch() as elapsed:
            report = crew_events_sweep()
        reports.append(report.as_dict())
        return harness.rate(report.scanned, elapsed())

    def baseline() -> float:
        with harness.stopwatch() as elapsed:
            count = raw_scan(SWEEP_SEGMENTS)
        scanned.append(count)
        return harness.rate(count, elapsed())

    values = harness.alternate(
        rounds=ctx.rounds,
        product=product,
        baseline=baseline,
        on_run=lambda i, side, v: ctx.log(f"sweep round {i + 1} {side}: {v:,.0f} items/s"),
    )
    return harness.Result(
        name="sweep",
        what="scrub sweep (parallel paginated Scan, UpdateItem per leaked item)",
        unit="items/s",
        higher_is_better=True,
        target=0.8,
        product=values[harness.PRODUCT],
        baseline=values[harness.BASELINE],
        sizes={"items": len(items), "leaked": len(leaked), "segments": SWEEP_SEGMENTS},
        details={"last_report": {k: v for k, v in reports[-1].items() if k != "dirty_items"}},
        checks={
            "every item scanned": all(r["scanned"] == len(items) for r in reports) and set(scanned) == {len(items)},
            "every leak found and scrubbed": all(r["dirty"] == r["scrubbed"] == len(leaked) for r in reports),
        },
    )
