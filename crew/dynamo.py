"""The crew-facing event store in DynamoDB (``CREW_EVENTS_TABLE``); item shape in docs/crew-events.md.

Why it looks like this:

* **One crew member's events with one Query.** Each event is one item (``pk=EVENT#<id>``,
  ``sk=EVENT``) plus one *crew-link* item per assigned member (``pk=EVENT#<id>``,
  ``sk=CREW#<email>``) that carries the same allow-listed fields and the ``by_crew`` index keys
  (``gsi1pk=CREW#<email>``, ``gsi1sk=<starts_at UTC ISO>#<id>``). The portal queries the index;
  nothing scans the table except the hourly sweep.
* **An older write never overwrites a newer one.** Every item carries ``version`` and every
  write is conditional on the stored version being lower (``attribute_not_exists(pk) OR
  version < :v``); a scrub is conditional on the version it read.
* **Only allow-listed attributes are ever written** (``crew.crew_facing``), and a scrub removes
  whatever else an item holds. ``ITEM_ATTRIBUTES`` is the complete list an item may carry.
* **Cheap on top of the requests it must make** (docs/performance.md): ``crew_facing()`` once
  per event, attributes serialised once, the low-level client; one ``Table`` per table name.
  (The sweep and the backfill live in ``crew.dynamo_sweep``.)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError
from django.conf import settings

from crew.crew_facing import CREW_ENTRY_FIELDS, CREW_FACING_FIELDS, FREE_TEXT_FIELDS, crew_facing
from crew.dynamo_values import plain_item
from crew.money_check import record_money_findings
from crew.scrub import scrub_text
from jada.aws import aws_client, aws_is_not_found, aws_resource

EVENT_SK = "EVENT"
KEY_ATTRIBUTES: tuple[str, ...] = ("pk", "sk", "gsi1pk", "gsi1sk")
# Not crew-facing, never shown: whether crew were told about the current version.
DELIVERY_ATTRIBUTE = "delivery_state"
ITEM_ATTRIBUTES: frozenset[str] = frozenset((*KEY_ATTRIBUTES, *CREW_FACING_FIELDS, DELIVERY_ATTRIBUTE))
EVENT_ID_RE = re.compile(r"evt_[0-9a-f]{20}")
NEWER_ONLY = "attribute_not_exists(pk) OR #version < :version"


class StaleWriteError(Exception):
    """The table already holds this version of the event or a newer one."""


def crew_event_id(charter_ref: str) -> str:
    """The event's id, a function of its charter reference: lookups by reference never scan."""
    return "evt_" + hashlib.sha256(charter_ref.strip().upper().encode()).hexdigest()[:20]


def event_pk(event_id: str) -> str:
    return f"EVENT#{event_id}"


def crew_pk(email: str) -> str:
    return f"CREW#{email.strip().lower()}"


# table name -> (its resource, the Table): built once; keyed on the resource so aws_clients_reset() drops it.
_tables: dict[str, tuple[Any, Any]] = {}


def _table() -> Any:
    resource = aws_resource("dynamodb")
    name = str(settings.CREW_EVENTS_TABLE)
    cached = _tables.get(name)
    if cached is None or cached[0] is not resource:
        cached = (resource, resource.Table(name))
        _tables[name] = cached
    return cached[1]


_SERIALIZER = TypeSerializer()
_NUMBER_LIMIT = 10**38  # DynamoDB's 38 digits; anything beyond goes through TypeSerializer (and fails there)


def _wire(value: Any) -> dict[str, Any]:
    """``value`` as a low-level AttributeValue, exactly as ``TypeSerializer`` would write it:
    strings, whole numbers and the crew list directly (its type probing costs more than the
    value), anything else through TypeSerializer itself."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is int and -_NUMBER_LIMIT < value < _NUMBER_LIMIT:
        return {"N": str(value)}
    if kind is list:
        return {"L": [_wire(v) for v in value]}
    if kind is dict:
        return {"M": {k: _wire(v) for k, v in value.items()}}
    return cast(dict[str, Any], _SERIALIZER.serialize(value))


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _utc_sort_key(starts_at: str | None) -> str:
    try:
        return datetime.fromisoformat(starts_at or "").astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return "0000-00-00T00:00:00Z"


# --- the table --------------------------------------------------------------------------------
def crew_events_table_ensure() -> bool:
    """Create the table and its index if missing. Returns True when created."""
    ddb = aws_client("dynamodb")
    name = settings.CREW_EVENTS_TABLE
    try:
        ddb.describe_table(TableName=name)
        return False
    except ClientError as exc:
        if not aws_is_not_found(exc):
            raise
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "gsi1pk", "AttributeType": "S"},
            {"AttributeName": "gsi1sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_crew",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return True


# --- item shape -------------------------------------------------------------------------------
def event_item(event: dict[str, Any]) -> dict[str, Any]:
    """The event item: the crew-facing record plus its keys (``event`` must carry ``id``)."""
    facing = crew_facing(event)
    return _event_keys(facing) | _storable(facing) | {DELIVERY_ATTRIBUTE: "pending"}


def crew_link_item(event: dict[str, Any], email: str) -> dict[str, Any]:
    """One member's copy of the event, found through the ``by_crew`` index."""
    facing = crew_facing(event)
    return _link_keys(facing, email) | _storable(facing)


def facing_items(facing: dict[str, Any], emails: Iterable[str]) -> list[dict[str, Any]]:
    """The event item, then one crew-link item per e-mail, all from one ``crew_facing()`` result:
    what ``event_item`` and ``crew_link_item`` build, allow-listed once per event (the backfill)."""
    storable = _storable(facing)
    event = _event_keys(facing) | storable | {DELIVERY_ATTRIBUTE: "pending"}
    return [event, *(_link_keys(facing, email) | storable for email in emails)]


def facing_wire_items(facing: dict[str, Any], emails: Iterable[str]) -> list[dict[str, Any]]:
    """``facing_items`` as the low-level client's AttributeValue maps, shared attributes serialised once."""
    shared = _wired(_storable(facing))
    event = _wired(_event_keys(facing)) | shared | {DELIVERY_ATTRIBUTE: _wire("pending")}
    return [event, *(_wired(_link_keys(facing, email)) | shared for email in emails)]


def _event_keys(facing: dict[str, Any]) -> dict[str, Any]:
    return {"pk": event_pk(facing["id"]), "sk": EVENT_SK}


def _link_keys(facing: dict[str, Any], email: str) -> dict[str, Any]:
    return {
        "pk": event_pk(facing["id"]),
        "sk": crew_pk(email),
        "gsi1pk": crew_pk(email),
        "gsi1sk": f"{_utc_sort_key(facing['starts_at'])}#{facing['id']}",
    }


def _storable(facing: dict[str, Any]) -> dict[str, Any]:
    # DynamoDB has no use for explicit nulls; absent means absent.
    return {k: v for k, v in facing.items() if v is not None}


def crew_item_problems(item: dict[str, Any]) -> list[str]:
    """Why ``item`` may not reach crew: attributes outside the allow-list, or money the detector sees.

    The money verdict is ``crew.money_check`` — written independently of the scrubber, so a
    phrase the scrubber misses is still caught here (the notice is then held: fail closed).
    """
    problems = [f"attribute {name!r} is not allowed" for name in sorted(item) if name not in ITEM_ATTRIBUTES]
    for name in FREE_TEXT_FIELDS:
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(f"{name} is not text")
    crew = item.get("crew")
    if crew is not None and (not isinstance(crew, list) or _clean_crew(crew) != crew):
        problems.append("crew is not clean")
    facing = {name: item[name] for name in CREW_FACING_FIELDS if name in item}
    problems.extend(record_money_findings(facing))
    return problems


def _clean_crew(crew: Any) -> list[dict[str, str]]:
    facing = crew_facing({"crew": crew})["crew"]
    return [{k: e[k] for k in CREW_ENTRY_FIELDS} for e in facing]


# --- reads (the crew portal calls these two) ----------------------------------------------------
def crew_event_get(event_id: str) -> dict[str, Any] | None:
    """The crew-facing event ``event_id``, or None."""
    item = crew_event_item(event_id)
    return crew_facing(item) if item else None


def crew_events_for_member(email: str) -> list[dict[str, Any]]:
    """Every event ``email`` is crew on (any status, ordered by start), as crew-facing dicts."""
    if not isinstance(email, str) or "@" not in email:
        return []
    pk, ddb = {":pk": {"S": crew_pk(email)}}, aws_client("dynamodb")  # low-level: the resource layer cost more
    query: dict[str, Any] = {"TableName": settings.CREW_EVENTS_TABLE, "IndexName": "by_crew"}
    query |= {"KeyConditionExpression": "gsi1pk = :pk", "ExpressionAttributeValues": pk}
    events: list[dict[str, Any]] = []
    while True:
        page = ddb.query(**query)
        events.extend(crew_facing(plain_item(item)) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return events
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def crew_event_item(event_id: str) -> dict[str, Any] | None:
    """The raw event item (all attributes, as stored), read consistently; None when absent."""
    if not isinstance(event_id, str) or not EVENT_ID_RE.fullmatch(event_id):
        return None
    item = _table().get_item(Key={"pk": event_pk(event_id), "sk": EVENT_SK}, ConsistentRead=True).get("Item")
    return dict(item) if item else None


def crew_event_items(event_id: str) -> list[dict[str, Any]]:
    """The event item and all its crew-link items (one Query on the partition)."""
    table = _table()
    query: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(event_pk(event_id)), "ConsistentRead": True}
    items: list[dict[str, Any]] = []
    while True:
        page = table.query(**query)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# --- writes -----------------------------------------------------------------------------------
def crew_event_write(event: dict[str, Any], *, previous_crew: Iterable[str] = ()) -> None:
    """Write ``event`` (crew-facing, with ``id`` and ``version``) and its crew links, newer-only.

    Raises ``StaleWriteError`` when the event item already holds this version or a newer one;
    then nothing was written. Link writes that lose to a newer write are skipped silently: the
    newer write carries its own links. Members in ``previous_crew`` but no longer assigned lose
    their link (unless a newer version re-created it).
    """
    ddb = aws_client("dynamodb")
    name = str(settings.CREW_EVENTS_TABLE)
    version = int(event["version"])
    condition = {
        "ConditionExpression": NEWER_ONLY,
        "ExpressionAttributeNames": {"#version": "version"},
        "ExpressionAttributeValues": {":version": _wire(version)},
    }
    facing = crew_facing(event)
    emails = [entry["email"].strip().lower() for entry in facing["crew"]]
    event_wire, *link_wires = facing_wire_items(facing, emails)
    try:
        ddb.put_item(TableName=name, Item=event_wire, **condition)
    except ClientError as exc:
        if _conditional_failed(exc):
            raise StaleWriteError(f"version {version} of {event['id']} is not newer than the stored one") from None
        raise
    for link in link_wires:
        try:
            ddb.put_item(TableName=name, Item=link, **condition)
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
    for email in {e.strip().lower() for e in previous_crew} - set(emails):
        try:
            ddb.delete_item(
                TableName=name,
                Key=_wired({"pk": event_pk(event["id"]), "sk": crew_pk(email)}),
                ConditionExpression="#version < :version",
                ExpressionAttributeNames={"#version": "version"},
                ExpressionAttributeValues={":version": _wire(version)},
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise


def _wired(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _wire(v) for k, v in item.items()}


def crew_event_delivery_mark(event_id: str, *, version: int, state: str) -> bool:
    """Record whether crew were told about ``version`` ("notified", "failed"); False if it moved on."""
    try:
        _table().update_item(
            Key={"pk": event_pk(event_id), "sk": EVENT_SK},
            UpdateExpression="SET #d = :d",
            ConditionExpression="#version = :version",
            ExpressionAttributeNames={"#d": DELIVERY_ATTRIBUTE, "#version": "version"},
            ExpressionAttributeValues={":d": state, ":version": version},
        )
    except ClientError as exc:
        if _conditional_failed(exc):
            return False
        raise
    return True


# --- scrubbing one item -----------------------------------------------------------------------
@dataclass
class ItemScrub:
    """What scrubbing one item did: attributes removed, free-text fields rewritten."""

    pk: str
    sk: str
    removed: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    lost_race: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.removed or self.rewritten)


def crew_item_scrub(item: dict[str, Any]) -> ItemScrub:
    """Clean one stored item in place with a single conditional ``UpdateItem``.

    REMOVEs every attribute outside ``ITEM_ATTRIBUTES`` and SETs scrubbed free text, on the
    condition that the item still has the version it was read at. If a newer write got there
    first the item is re-read and scrubbed again (once); a newer write is allow-listed anyway.
    """
    result = ItemScrub(pk=str(item["pk"]), sk=str(item["sk"]))
    for attempt in range(2):
        removed = sorted(name for name in item if name not in ITEM_ATTRIBUTES)
        sets: dict[str, Any] = {}
        for name in FREE_TEXT_FIELDS:
            value = item.get(name)
            if value is not None and (not isinstance(value, str) or scrub_text(value) != value):
                sets[name] = scrub_text(value) if isinstance(value, str) else ""
        if item.get("crew") is not None and _clean_crew(item["crew"]) != item["crew"]:
            sets["crew"] = _clean_crew(item["crew"])
        if not removed and not sets:
            return result
        names = {f"#r{i}": name for i, name in enumerate(removed)} | {f"#s{i}": n for i, n in enumerate(sets)}
        values = {f":s{i}": value for i, value in enumerate(sets.values())}
        clauses = []
        if sets:
            clauses.append("SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets))))
        if removed:
            clauses.append("REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed))))
        names["#version"] = "version"
        if "version" in item:
            condition = "#version = :version"
            values[":version"] = item["version"]
        else:
            condition = "attribute_exists(pk) AND attribute_not_exists(#version)"
        try:
            _table().update_item(
                Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression=" ".join(clauses),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            result.lost_race = True
            fresh = _table().get_item(Key={"pk": item["pk"], "sk": item["sk"]}, ConsistentRead=True).get("Item")
            if not fresh or attempt:
                return result
            item = dict(fresh)
            continue
        result.removed, result.rewritten = removed, list(sets)
        return result
    return result


def crew_event_scrub(event_id: str) -> list[ItemScrub]:
    """Scrub the event item and every crew-link item of ``event_id``; returns what changed."""
    return [scrub for scrub in map(crew_item_scrub, crew_event_items(event_id)) if scrub.changed]
