"""Whole-table work on the crew-events table: the re-scrub sweep, the first-sync backfill, batch reads.

The sweep is the second line of defence behind write-time allow-listing: whatever reached the
table by another path (a hand edit in the console, an old writer, a restore) is found by a
paginated, parallel Scan (one thread per segment, each following its own
``LastEvaluatedKey``) and cleaned item by item with the same conditional ``UpdateItem`` the
write path uses. It reports what it found, so a leak is visible, not just silently fixed.
Each item is first judged on its wire form (``_wire_item_clean``): attribute names against the
allow-list, and every string through ``crew.money_check`` once per *distinct* string per sweep
(crew members, vessels, meeting points and notes repeat across items). Only an item that fast
check does not pass is deserialised and judged by ``crew.dynamo.crew_item_problems``, which
stays the authority; the fast check may only say "clean" where that one would.

The backfill writes many events at once with ``BatchWriteItem`` (25 per request, unprocessed
items re-sent, as boto3's ``batch_writer`` does), through the low-level client with items
serialised once per record instead of per item by the resource layer. Batch writes replace whole items and cannot be conditional, so it is only for a
first sync or a restore into an empty table; the records still go through the allow-list, once
per record, and every item of a record is built from that one result.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from django.conf import settings

from crew import dynamo
from crew.crew_facing import CREW_ENTRY_FIELDS, CREW_FACING_FIELDS, FREE_TEXT_FIELDS, crew_facing
from crew.money_check import money_findings, record_money_findings
from crew.scrub import scrub_text
from jada.aws import aws_client

logger = logging.getLogger(__name__)

SWEEP_SEGMENTS = 4
MAX_REPORTED_ITEMS = 50
BATCH_SIZE = 25  # BatchWriteItem's limit
READ_BATCH_SIZE = 100  # BatchGetItem's limit


@dataclass
class SweepReport:
    """What one sweep saw: items scanned, items that needed scrubbing, and what was removed."""

    scanned: int = 0
    dirty: int = 0
    scrubbed: int = 0
    lost_races: int = 0
    removed_attributes: Counter[str] = field(default_factory=Counter)
    rewritten_fields: Counter[str] = field(default_factory=Counter)
    dirty_items: list[str] = field(default_factory=list)

    def merge(self, other: SweepReport) -> None:
        self.scanned += other.scanned
        self.dirty += other.dirty
        self.scrubbed += other.scrubbed
        self.lost_races += other.lost_races
        self.removed_attributes.update(other.removed_attributes)
        self.rewritten_fields.update(other.rewritten_fields)
        self.dirty_items.extend(other.dirty_items[: MAX_REPORTED_ITEMS - len(self.dirty_items)])

    def as_dict(self) -> dict[str, Any]:
        return {
            "scanned": self.scanned,
            "dirty": self.dirty,
            "scrubbed": self.scrubbed,
            "lost_races": self.lost_races,
            "removed_attributes": dict(self.removed_attributes),
            "rewritten_fields": dict(self.rewritten_fields),
            "dirty_items": list(self.dirty_items),
        }


def crew_events_sweep(*, segments: int = SWEEP_SEGMENTS, page_size: int | None = None) -> SweepReport:
    """Scan the whole table in ``segments`` parallel segments and scrub every dirty item."""
    verdicts: dict[Any, bool] = {}  # distinct string or crew entry -> clean; shared by the segments
    with ThreadPoolExecutor(max_workers=segments, thread_name_prefix="crew-sweep") as pool:
        parts = list(pool.map(lambda s: _sweep_segment(s, segments, page_size, verdicts), range(segments)))
    report = SweepReport()
    for part in parts:
        report.merge(part)
    if report.dirty:
        logger.error(
            "Crew-events sweep found %d dirty item(s) of %d and scrubbed %d; removed attributes %s; rewrote %s",
            report.dirty,
            report.scanned,
            report.scrubbed,
            dict(report.removed_attributes),
            dict(report.rewritten_fields),
        )
    else:
        logger.info("Crew-events sweep: %d item(s), all clean", report.scanned)
    return report


def _sweep_segment(segment: int, total: int, page_size: int | None, verdicts: dict[Any, bool]) -> SweepReport:
    ddb = aws_client("dynamodb")
    report = SweepReport()
    params: dict[str, Any] = {"TableName": settings.CREW_EVENTS_TABLE, "Segment": segment, "TotalSegments": total}
    if page_size:
        params["Limit"] = page_size
    paginator = ddb.get_paginator("scan")
    deserializer = TypeDeserializer()
    for page in paginator.paginate(**params):
        for raw in page.get("Items", []):
            report.scanned += 1
            if _wire_item_clean(raw, verdicts):
                continue
            item = {name: deserializer.deserialize(value) for name, value in raw.items()}
            if not dynamo.crew_item_problems(item):
                continue
            report.dirty += 1
            if len(report.dirty_items) < MAX_REPORTED_ITEMS:
                report.dirty_items.append(f"{item['pk']} {item['sk']}")
            result = dynamo.crew_item_scrub(item)
            report.lost_races += int(result.lost_race)
            if result.changed:
                report.scrubbed += 1
                report.removed_attributes.update(result.removed)
                report.rewritten_fields.update(result.rewritten)
    return report


# Field names are money-checked too (record_money_findings); ours never are, but ask, not assume.
_NAMES_CLEAN = not any(record_money_findings({name: 0}) for name in (*CREW_FACING_FIELDS, *CREW_ENTRY_FIELDS))
_ENTRY_KEYS = frozenset(CREW_ENTRY_FIELDS)


def _text_clean(text: str, verdicts: dict[Any, bool]) -> bool:
    verdict = verdicts.get(text)
    if verdict is None:
        verdict = verdicts[text] = not money_findings(text)
    return verdict


def _entry_clean(entry: dict[str, Any], verdicts: dict[Any, bool]) -> bool:
    """A crew entry exactly as ``crew_facing`` leaves one ({email, name, role}, scrubbed), money-free."""
    fields = entry.get("M")
    if fields is None or fields.keys() != _ENTRY_KEYS or not all("S" in v and len(v) == 1 for v in fields.values()):
        return False
    email, name, role = fields["email"]["S"], fields["name"]["S"], fields["role"]["S"]
    key = ("crew", email, name, role)
    verdict = verdicts.get(key)
    if verdict is None:
        scrubbed = scrub_text(name) == name and scrub_text(role) == role
        verdict = verdicts[key] = scrubbed and all(_text_clean(t, verdicts) for t in (email, name, role))
    return verdict


def _wire_item_clean(raw: dict[str, Any], verdicts: dict[Any, bool]) -> bool:
    """True only where ``crew_item_problems`` would find nothing; anything unusual says False
    (the caller then deserialises the item and asks it)."""
    if not _NAMES_CLEAN or not raw.keys() <= dynamo.ITEM_ATTRIBUTES:
        return False
    for name in CREW_FACING_FIELDS:
        value = raw.get(name)
        if value is None:
            continue
        if name == "crew":
            if "L" not in value or not all(_entry_clean(entry, verdicts) for entry in value["L"]):
                return False
        elif "S" in value:
            if not _text_clean(value["S"], verdicts):
                return False
        elif "N" not in value or name in FREE_TEXT_FIELDS:
            return False
    return True


def crew_events_backfill(events: Iterable[dict[str, Any]]) -> int:
    """Write ``events`` (with ``id`` and ``version``) and their crew links in batches; returns items written.

    For a first sync or a restore into an empty table only: batch writes replace items whole
    and are not conditional, so they would overwrite a newer version.
    """
    ddb = aws_client("dynamodb")
    name = str(settings.CREW_EVENTS_TABLE)
    # Pending PutRequests by key: a later item with the same (pk, sk) replaces an unsent one, as
    # ``batch_writer(overwrite_by_pkeys=["pk", "sk"])`` does (one request may not name a key twice).
    pending: dict[tuple[str, str], dict[str, Any]] = {}
    written = 0
    try:
        for record in events:
            event = crew_facing(record)  # once per record: every item below is built from it
            if not event["id"] or not event["version"]:
                raise ValueError("every backfilled event needs an id and a version")
            for item in dynamo.facing_wire_items(event, (entry["email"] for entry in event["crew"])):
                key = (item["pk"]["S"], item["sk"]["S"])
                pending.pop(key, None)
                pending[key] = {"PutRequest": {"Item": item}}
                written += 1
                if len(pending) >= BATCH_SIZE:
                    _batch_send(ddb, name, pending)
    finally:
        while pending:  # what was accepted before a bad record is still written, as batch_writer does
            _batch_send(ddb, name, pending)
    return written


def _batch_send(ddb: Any, name: str, pending: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Send the oldest ``BATCH_SIZE`` pending requests; unprocessed ones go back to be re-sent."""
    keys = list(itertools.islice(pending, BATCH_SIZE))
    requests = [pending.pop(key) for key in keys]
    response = ddb.batch_write_item(RequestItems={name: requests})
    for request in (response.get("UnprocessedItems") or {}).get(name, []):
        item = request["PutRequest"]["Item"]
        pending.setdefault((item["pk"]["S"], item["sk"]["S"]), request)


def crew_events_get(event_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The crew-facing events among ``event_ids`` that exist, by id: ``BatchGetItem``, 100 keys a
    request, consistent reads, unprocessed keys asked again. The drift report reads every live
    charter's event; one GetItem each would be a request per charter."""
    ddb = aws_client("dynamodb")
    name = str(settings.CREW_EVENTS_TABLE)
    wanted = sorted({i for i in event_ids if isinstance(i, str) and dynamo.EVENT_ID_RE.fullmatch(i)})
    deserializer = TypeDeserializer()
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), READ_BATCH_SIZE):
        keys = [
            {"pk": {"S": dynamo.event_pk(i)}, "sk": {"S": dynamo.EVENT_SK}}
            for i in wanted[start : start + READ_BATCH_SIZE]
        ]
        while keys:
            response = ddb.batch_get_item(RequestItems={name: {"Keys": keys, "ConsistentRead": True}})
            for raw in response.get("Responses", {}).get(name, []):
                event = crew_facing({k: deserializer.deserialize(v) for k, v in raw.items()})
                found[str(event["id"])] = event
            keys = (response.get("UnprocessedKeys") or {}).get(name, {}).get("Keys", [])
    return found
