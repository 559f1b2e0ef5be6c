"""``store``: upsert crew events through the crew store vs raw conditional ``put_item``.

Product: ``crew.dynamo.crew_event_write(event)`` per event — allow-list, scrub, item shaping,
and one version-conditional PutItem per item (the event and one link per crew member).
Baseline: the *same items*, computed before the clock starts, sent with the low-level client's
``put_item`` and the same ``attribute_not_exists(pk) OR version < :v`` condition. Both start from
an empty table, so both pay for creating the same number of items. Unit: items written per second.
"""

from __future__ import annotations

from bench import events, harness
from bench.context import Context

# One crew link per event: each event is two conditional PutItems (the event and its link).
CREW_PER_EVENT = 1


def fresh_table() -> None:
    """An empty crew-events table (deleted and re-created), so every run starts alike."""
    from django.conf import settings

    from crew.dynamo import crew_events_table_ensure
    from jada.aws import aws_client

    ddb = aws_client("dynamodb")
    if not crew_events_table_ensure():
        ddb.delete_table(TableName=settings.CREW_EVENTS_TABLE)
        crew_events_table_ensure()


def run(ctx: Context) -> harness.Result:
    from django.conf import settings

    from crew.dynamo import crew_event_write
    from jada.aws import aws_client

    count = ctx.size("store")
    batch = [events.bench_event(i, crew=CREW_PER_EVENT) for i in range(count)]
    raw_items = [events.serialize(item) for event in batch for item in events.store_items(event)]
    table_name = settings.CREW_EVENTS_TABLE
    ddb = aws_client("dynamodb")
    same_items: list[bool] = []

    def product() -> float:
        fresh_table()
        with harness.stopwatch() as elapsed:
            for event in batch:
                crew_event_write(event)
        seconds = elapsed()
        # Untimed spot-check: the product wrote exactly the items the baseline writes.
        for item in (raw_items[0], raw_items[-1]):
            stored = ddb.get_item(TableName=table_name, Key={"pk": item["pk"], "sk": item["sk"]}).get("Item")
            same_items.append(stored == item)
        return harness.rate(len(raw_items), seconds)

    def baseline() -> float:
        fresh_table()
        with harness.stopwatch() as elapsed:
            for item in raw_items:
                ddb.put_item(
                    TableName=table_name,
                    Item=item,
                    ConditionExpression="attribute_not_exists(pk) OR #version < :version",
                    ExpressionAttributeNames={"#version": "version"},
                    ExpressionAttributeValues={":version": item["version"]},
                )
        return harness.rate(len(raw_items), elapsed())

    values = harness.alternate(
        rounds=ctx.rounds,
        product=product,
        baseline=baseline,
        on_run=lambda i, side, v: ctx.log(f"store round {i + 1} {side}: {v:,.0f} items/s"),
    )
    return harness.Result(
        name="store",
        what="upsert crew events through the crew store (version-conditional PutItem)",
        unit="items/s",
        higher_is_better=True,
        target=0.9,
        product=values[harness.PRODUCT],
        baseline=values[harness.BASELINE],
        sizes={"events": count, "crew_per_event": CREW_PER_EVENT, "items": len(raw_items)},
        checks={"same items as baseline": all(same_items)},
    )
