"""Whole-table work on the crew-events table: the re-scrub sweep, the first-sync backfill, batch reads.

The sweep is the second line of defence behind write-time allow-listing: whatever reached the
table by another path (a hand edit in the console, an old writer, a restore) is found by a
paginated, parallel Scan (one thread per segment, each following its own
``LastEvaluatedKey``) and cleaned item by item with the same conditional ``UpdateItem`` the
write path uses, in a scrub pool so the scan does not wait for each round trip. It reports
what it found, so a leak is visible, not just silently fixed; a scrub that fails is tried again
after the scan and, if it still fails, reported and raised (every other leak is cleaned first).
Each item is first judged on its wire form (``_wire_item_clean``): attribute names against the
allow-list, and every string through ``crew.money_check`` once per *distinct* string (crew
members, vessels, meeting points and notes repeat across items; the verdicts are remembered,
bounded, for the next sweep). Only an item that fast check does not pass is deserialised and
judged by ``crew.dynamo.crew_item_problems``, which stays the authority; the fast check may only
say "clean" where that one would.

The backfill writes many events at once with ``BatchWriteItem`` (25 per request, unprocessed
items re-sent, as boto3's ``batch_writer`` does), through the low-level client with items
serialised once per record instead of per item by the resource layer. Batch writes replace whole items and cannot be conditional, so it is only for a
first sync or a restore into an empty table; the records still go through the allow-list, once
per record, and every item of a record is built from that one result.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from django.conf import settings

from crew import dynamo
from crew.crew_facing import CREW_ENTRY_FIELDS, CREW_FACING_FIELDS, FREE_TEXT_FIELDS, crew_facing
from crew.money_check import inert_alone, money_findings, record_money_findings
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
    failed: list[_Judged] = field(default_factory=list)  # dirty items whose scrub raised

    def merge(self, other: SweepReport) -> None:
        self.scanned += other.scanned
        self.dirty += other.dirty
        self.scrubbed += other.scrubbed
        self.lost_races += other.lost_races
        self.removed_attributes.update(other.removed_attributes)
        self.rewritten_fields.update(other.rewritten_fields)
        self.dirty_items.extend(other.dirty_items[: MAX_REPORTED_ITEMS - len(self.dirty_items)])
        self.failed.extend(other.failed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scanned": self.scanned,
            "dirty": self.dirty,
            "scrubbed": self.scrubbed,
            "lost_races": self.lost_races,
            "removed_attributes": dict(self.removed_attributes),
            "rewritten_fields": dict(self.rewritten_fields),
            "dirty_items": list(self.dirty_items),
            "failed_items": [f"{j.item['pk']} {j.item['sk']}" for j in self.failed],
        }


def crew_events_sweep(*, segments: int = SWEEP_SEGMENTS, page_size: int | None = None) -> SweepReport:
    """Scan the whole table in ``segments`` parallel segments and scrub every dirty item.

    A scrub that fails does not stop the scan: every segment is read to its end, the failed
    scrubs are tried once more, and if one still fails the report is logged (naming the items)
    before its error is raised, so the task retries the sweep and nothing found goes unsaid."""
    with (
        ThreadPoolExecutor(max_workers=segments, thread_name_prefix="crew-sweep") as pool,
        ThreadPoolExecutor(max_workers=segments, thread_name_prefix="crew-scrub") as scrubbers,
    ):
        parts = list(pool.map(lambda s: _sweep_segment(s, segments, page_size, scrubbers), range(segments)))
    report = SweepReport()
    for part in parts:
        report.merge(part)
    error = _scrub_again([judged for part in parts for judged in part.failed], report)
    _log_report(report)
    if error is not None:
        raise error
    return report


@dataclass
class _Judged:
    """One item the wire check did not pass, after ``crew_item_problems`` and (if dirty) the scrub."""

    item: dict[str, Any]
    dirty: bool
    scrub: dynamo.ItemScrub | None = None
    error: Exception | None = None


def _sweep_segment(segment: int, total: int, page_size: int | None, scrubbers: ThreadPoolExecutor) -> SweepReport:
    ddb = aws_client("dynamodb")
    report = SweepReport()
    params: dict[str, Any] = {"TableName": settings.CREW_EVENTS_TABLE, "Segment": segment, "TotalSegments": total}
    if page_size:
        params["Limit"] = page_size
    # An item the wire check does not pass is judged and scrubbed in the scrub pool: the scan reads
    # on meanwhile instead of waiting for each UpdateItem's round trip.
    pending: list[Future[_Judged]] = []
    for page in ddb.get_paginator("scan").paginate(**params):
        items = page.get("Items", [])
        report.scanned += len(items)
        pending.extend(scrubbers.submit(_judge, raw) for raw in items if not _wire_item_clean(raw))
    for future in pending:  # in scan order: the list of dirty items is the same every time
        judged = future.result()
        if judged.dirty:
            _count(report, judged)
    return report


def _judge(raw: dict[str, Any]) -> _Judged:
    item = {name: _DESERIALIZER.deserialize(value) for name, value in raw.items()}
    if not dynamo.crew_item_problems(item):
        return _Judged(item, dirty=False)
    return _scrub(_Judged(item, dirty=True))


def _scrub(judged: _Judged) -> _Judged:
    try:
        judged.scrub, judged.error = dynamo.crew_item_scrub(judged.item), None
    except Exception as exc:  # kept with its item: tried again once, then raised
        judged.error = exc
    return judged


def _count(report: SweepReport, judged: _Judged) -> None:
    report.dirty += 1
    if len(report.dirty_items) < MAX_REPORTED_ITEMS:
        report.dirty_items.append(f"{judged.item['pk']} {judged.item['sk']}")
    _count_scrub(report, judged)


def _count_scrub(report: SweepReport, judged: _Judged) -> None:
    if judged.error is not None:
        report.failed.append(judged)
        return
    assert judged.scrub is not None
    report.lost_races += int(judged.scrub.lost_race)
    if judged.scrub.changed:
        report.scrubbed += 1
        report.removed_attributes.update(judged.scrub.removed)
        report.rewritten_fields.update(judged.scrub.rewritten)


def _scrub_again(failed: list[_Judged], report: SweepReport) -> Exception | None:
    """Each scrub that failed during the scan, once more; the last error of those that fail again."""
    report.failed = []
    for judged in failed:
        _count_scrub(report, _scrub(judged))
    return report.failed[-1].error if report.failed else None


def _log_report(report: SweepReport) -> None:
    if report.failed:
        logger.error(
            "Crew-events sweep could not scrub %d dirty item(s): %s",
            len(report.failed),
            ", ".join(f"{j.item['pk']} {j.item['sk']} ({j.error!r})" for j in report.failed[:MAX_REPORTED_ITEMS]),
        )
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


# Field names are money-checked too (record_money_findings); ours never are, but ask, not assume.
_NAMES_CLEAN = not any(record_money_findings({name: 0}) for name in (*CREW_FACING_FIELDS, *CREW_ENTRY_FIELDS))
_ENTRY_KEYS = frozenset(CREW_ENTRY_FIELDS)
_DESERIALIZER = TypeDeserializer()


class _Verdicts:
    """Clean-or-not per distinct string and crew entry, kept from sweep to sweep (the hourly sweep
    reads mostly the strings it read an hour before). Both checks are pure functions of the text,
    so a remembered verdict is the verdict. Bounded: two generations of at most ``limit``
    characters of keys each; when the new one fills it becomes the old one and the old is dropped."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self.new: dict[Any, bool] = {}
        self._old: dict[Any, bool] = {}
        self._size = 0

    def get(self, key: Any) -> bool | None:
        verdict = self.new.get(key)  # (the sweep's hot path reads ``new`` itself, then asks here)
        if verdict is None:
            verdict = self._old.get(key)
            if verdict is not None:
                self.put(key, verdict)
        return verdict

    def put(self, key: Any, verdict: bool) -> None:
        self.new[key] = verdict
        self._size += len(key) if isinstance(key, str) else sum(map(len, key[1:]))
        if self._size > self.limit:
            with self._lock:
                if self._size > self.limit:
                    self._old, self.new, self._size = self.new, {}, 0


# 6M characters a generation: the ~125,000 distinct strings of 50,000 items take about 3M.
VERDICTS = _Verdicts(limit=6_000_000)


def _text_clean(text: str) -> bool:
    verdict = VERDICTS.new.get(text)
    if verdict is None and (verdict := VERDICTS.get(text)) is None:
        # an id or a timestamp is one regex match; anything else goes through the money check
        verdict = inert_alone(text) or not money_findings(text)
        VERDICTS.put(text, verdict)
    return verdict


def _entry_clean(entry: dict[str, Any]) -> bool:
    """A crew entry exactly as ``crew_facing`` leaves one ({email, name, role}, scrubbed), money-free."""
    fields = entry.get("M")
    if fields is None or fields.keys() != _ENTRY_KEYS or not all("S" in v and len(v) == 1 for v in fields.values()):
        return False
    email, name, role = fields["email"]["S"], fields["name"]["S"], fields["role"]["S"]
    key = ("crew", email, name, role)
    verdict = VERDICTS.new.get(key)
    if verdict is None and (verdict := VERDICTS.get(key)) is None:
        scrubbed = scrub_text(name) == name and scrub_text(role) == role
        verdict = scrubbed and all(_text_clean(t) for t in (email, name, role))
        VERDICTS.put(key, verdict)
    return verdict


def _wire_item_clean(raw: dict[str, Any]) -> bool:
    """True only where ``crew_item_problems`` would find nothing; anything unusual says False
    (the caller then deserialises the item and asks it)."""
    if not _NAMES_CLEAN or not raw.keys() <= dynamo.ITEM_ATTRIBUTES:
        return False
    for name in CREW_FACING_FIELDS:
        value = raw.get(name)
        if value is None:
            continue
        if name == "crew":
            if "L" not in value or not all(_entry_clean(entry) for entry in value["L"]):
                return False
        elif "S" in value:
            if not _text_clean(value["S"]):
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
