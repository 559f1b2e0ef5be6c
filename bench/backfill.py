"""``backfill``: load new crew events into an empty table vs boto3 ``batch_writer``.

Product: ``crew.dynamo_sweep.crew_events_backfill(events)`` — allow-list, item shaping and
``batch_writer`` (25 items per BatchWriteItem) into the product's table. Baseline: the *same
items*, shaped before the clock starts, through a bare ``Table.batch_writer`` into a twin table
of the same schema. Both tables start empty each round; the sides alternate slice by slice, each
slice a call of its own (as a resumable first sync would make). Unit: items written per second.
"""

from __future__ import annotations

from bench import events, harness
from bench.context import Context
from bench.store import fresh_tables, raw_table_name, same_items

# One crew link per event (20,000 items): see docs/performance.md for the time budget.
CREW_PER_EVENT = 1
SLICES = 10


def run(ctx: Context) -> harness.Result:
    from django.conf import settings

    from crew.dynamo_sweep import crew_events_backfill
    from jada.aws import aws_resource

    count = ctx.size("backfill")
    batch = [events.bench_event(i, crew=CREW_PER_EVENT) for i in range(count)]
    per_event = [events.store_items(event) for event in batch]
    raw_table = aws_resource("dynamodb").Table(raw_table_name())
    reported: list[bool] = []

    def product(piece: int) -> harness.Sample:
        start, stop = harness.slice_bounds(count, SLICES, piece)
        expected = sum(len(items) for items in per_event[start:stop])
        with harness.stopwatch() as elapsed:
            written = crew_events_backfill(batch[start:stop])
        reported.append(written == expected)
        return harness.Sample(expected, elapsed())

    def baseline(piece: int) -> harness.Sample:
        start, stop = harness.slice_bounds(count, SLICES, piece)
        items = [item for items in per_event[start:stop] for item in items]
        with harness.stopwatch() as elapsed, raw_table.batch_writer() as writer:
            for item in items:
                writer.put_item(Item=item)
        return harness.Sample(len(items), elapsed())

    values = harness.alternate_slices(
        rounds=ctx.rounds,
        slices=SLICES,
        product=product,
        baseline=baseline,
        before_round=fresh_tables,
        on_run=lambda i, side, v: ctx.log(f"backfill round {i + 1} {side}: {v:,.0f} items/s"),
    )
    all_items = [events.serialize(item) for items in per_event for item in items]
    return harness.Result(
        name="backfill",
        what="load new crew events into an empty table (first sync / restore)",
        unit="items/s",
        higher_is_better=True,
        target=0.8,
        product=values[harness.PRODUCT],
        baseline=values[harness.BASELINE],
        sizes={"events": count, "crew_per_event": CREW_PER_EVENT, "items": len(all_items), "slices": SLICES},
        checks={
            "same items as baseline": same_items(str(settings.CREW_EVENTS_TABLE), raw_table_name(), all_items),
            "count reported": all(reported),
        },
    )
