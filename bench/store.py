"""``store``: upsert crew events through the crew store vs raw conditional ``put_item``.

Product: ``crew.dynamo.crew_event_write(event)`` per event — allow-list, scrub, item shaping,
and one version-conditional PutItem per item (the event and one link per crew member), into the
product's table. Baseline: the *same items*, computed before the clock starts, sent with the
low-level client's ``put_item`` and the same ``attribute_not_exists(pk) OR version < :v``
condition, into a twin table of the same schema. Both tables start empty each round, and the
two sides alternate slice by slice (``harness.alternate_slices``). Unit: items written per second.
"""

from __future__ import annotations

from typing import Any

from bench import events, harness
from bench.context import Context

# One crew link per event: each event is two conditional PutItems (the event and its link).
CREW_PER_EVENT = 1
SLICES = 10


def raw_table_name() -> str:
    from django.conf import settings

    return f"{settings.CREW_EVENTS_TABLE}-raw"


def fresh_table(name: str | None = None) -> None:
    """An empty crew-events table (deleted and re-created with the product's schema)."""
    from django.conf import settings
    from django.test import override_settings

    from crew.dynamo import crew_events_table_ensure
    from jada.aws import aws_client

    with override_settings(CREW_EVENTS_TABLE=name or settings.CREW_EVENTS_TABLE):
        if not crew_events_table_ensure():
            aws_client("dynamodb").delete_table(TableName=settings.CREW_EVENTS_TABLE)
            crew_events_table_ensure()


def fresh_tables(_round: int = 0) -> None:
    fresh_table()
    fresh_table(raw_table_name())


def same_items(table: str, raw_table: str, items: list[dict[str, Any]]) -> bool:
    """Untimed spot-check: the first and last items are stored identically in both tables."""
    from jada.aws import aws_client

    ddb = aws_client("dynamodb")
    for item in (items[0], items[-1]):
        key = {"pk": item["pk"], "sk": item["sk"]}
        stored = ddb.get_item(TableName=table, Key=key).get("Item")
        if stored != item or ddb.get_item(TableName=raw_table, Key=key).get("Item") != item:
            return False
    return True


def run(ctx: Context) -> harness.Result:
    from django.conf import settings

    from crew.dynamo import crew_event_write
    from jada.aws import aws_client

    count = ctx.size("store")
    batch = [events.bench_event(i, crew=CREW_PER_EVENT) for i in range(count)]
    per_event = [[events.serialize(item) for item in events.store_items(event)] for event in batch]
    raw_items = [item for items in per_event for item in items]
    raw_table = raw_table_name()
    ddb = aws_client("dynamodb")

    def product(piece: int) -> harness.Sample:
        start, stop = harness.slice_bounds(count, SLICES, piece)
        with harness.stopwatch() as elapsed:
            for event in batch[start:stop]:
                crew_event_write(event)
        return harness.Sample(sum(len(items) for items in per_event[start:stop]), elapsed())

    def baseline(piece: int) -> harness.Sample:
        start, stop = harness.slice_bounds(count, SLICES, piece)
        items = [item for items in per_event[start:stop] for item in items]
        with harness.stopwatch() as elapsed:
            for item in items:
                ddb.put_item(
                    TableName=raw_table,
                    Item=item,
                    ConditionExpression="attribute_not_exists(pk) OR #version < :version",
                    ExpressionAttributeNames={"#version": "version"},
                    ExpressionAttributeValues={":version": item["version"]},
                )
        return harness.Sample(len(items), elapsed())

    values = harness.alternate_slices(
        rounds=ctx.rounds,
        slices=SLICES,
        product=product,
        baseline=baseline,
        before_round=fresh_tables,
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
        sizes={"events": count, "crew_per_event": CREW_PER_EVENT, "items": len(raw_items), "slices": SLICES},
        checks={"same items as baseline": same_items(str(settings.CREW_EVENTS_TABLE), raw_table, raw_items)},
    )
