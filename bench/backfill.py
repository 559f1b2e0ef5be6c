"""``backfill``: load new crew events into an empty table vs boto3 ``batch_writer``.

Product: ``crew.dynamo_sweep.crew_events_backfill(events)`` — allow-list, item shaping and
``batch_writer`` (25 items per BatchWriteItem). Baseline: the *same items*, shaped before the
clock starts, through a bare ``Table.batch_writer``. Both write into a freshly created table.
Unit: items written per second.
"""

from __future__ import annotations

from bench import events, harness
from bench.context import Context
from bench.store import fresh_table

# One crew link per event (20,000 items): see docs/performance.md for the time budget.
CREW_PER_EVENT = 1


def run(ctx: Context) -> harness.Result:
    from django.conf import settings

    from crew.dynamo_sweep import crew_events_backfill
    from jada.aws import aws_client, aws_resource

    count = ctx.size("backfill")
    batch = [events.bench_event(i, crew=CREW_PER_EVENT) for i in range(count)]
    items = [item for event in batch for item in events.store_items(event)]
    table_name = settings.CREW_EVENTS_TABLE
    ddb = aws_client("dynamodb")
    reported: list[int] = []
    same_items: list[bool] = []

    def product() -> float:
        fresh_table()
        with harness.stopwatch() as elapsed:
            reported.append(crew_events_backfill(batch))
        seconds = elapsed()
        for item in (events.serialize(items[0]), events.serialize(items[-1])):
            stored = ddb.get_item(TableName=table_name, Key={"pk": item["pk"], "sk": item["sk"]}).get("Item")
            same_items.append(stored == item)
        return harness.rate(len(items), seconds)

    def baseline() -> float:
        fresh_table()
        table = aws_resource("dynamodb").Table(table_name)
        with harness.stopwatch() as elapsed, table.batch_writer() as writer:
            for item in items:
                writer.put_item(Item=item)
        return harness.rate(len(items), elapsed())

    values = harness.alternate(
        rounds=ctx.rounds,
        product=product,
        baseline=baseline,
        on_run=lambda i, side, v: ctx.log(f"backfill round {i + 1} {side}: {v:,.0f} items/s"),
    )
    return harness.Result(
        name="backfill",
        what="load new crew events into an empty table (first sync / restore)",
        unit="items/s",
        higher_is_better=True,
        target=0.8,
        product=values[harness.PRODUCT],
        baseline=values[harness.BASELINE],
        sizes={"events": count, "crew_per_event": CREW_PER_EVENT, "items": len(items)},
        checks={
            "same items as baseline": all(same_items),
            "count reported": all(n == len(items) for n in reported),
        },
    )
