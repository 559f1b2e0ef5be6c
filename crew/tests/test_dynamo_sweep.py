"""The hourly sweep finds and cleans leaks that reached the table by another path; the backfill."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.conf import settings

from crew import dynamo, dynamo_sweep
from crew.dynamo_sweep import crew_events_backfill, crew_events_sweep
from crew.tests import scc_support
from crew.tests.scc_support import MONEY_NOTES, event_payload
from jada.celery import app

table = scc_support.table


@pytest.fixture(autouse=True)
def _fresh_verdicts() -> Iterator[None]:
    """Each test starts with nothing remembered (a sweep keeps its verdicts for the next one)."""
    dynamo_sweep.VERDICTS.clear()
    yield
    dynamo_sweep.VERDICTS.clear()


def _event(ref: str, **changes: Any) -> dict[str, Any]:
    crew = [{"email": "cass@example.com", "name": "Cass", "role": "captain"}]
    return {**event_payload(charter_ref=ref, crew=crew), "id": dynamo.crew_event_id(ref), "version": 1, **changes}


def test_sweep_cleans_an_item_seeded_with_revenue(table: Any) -> None:
    for n in range(7):
        dynamo.crew_event_write(_event(f"CLEAN{n}"))
    leaked = dynamo.crew_event_id("LEAKED")
    # Seeded the way the incident's record was: straight into DynamoDB, past the API.
    table.put_item(
        Item={
            "pk": dynamo.event_pk(leaked),
            "sk": "EVENT",
            "id": leaked,
            "charter_ref": "LEAKED",
            "title": "JADA charter",
            "notes": MONEY_NOTES,
            "revenue": 1450,
            "captain_fee": "300.00",
            "status": "confirmed",
            "version": 4,
        }
    )
    report = crew_events_sweep(segments=3, page_size=2)  # small pages: every segment paginates
    assert report.scanned == 7 * 2 + 1
    assert (report.dirty, report.scrubbed) == (1, 1)
    assert report.removed_attributes == {"revenue": 1, "captain_fee": 1}
    assert report.rewritten_fields == {"notes": 1}
    assert report.dirty_items == [f"EVENT#{leaked} EVENT"]
    item = dynamo.crew_event_item(leaked)
    assert item is not None and dynamo.crew_item_problems(item) == []
    assert "revenue" not in item and "1,450" not in item["notes"] and "dock 7 at 14:00, party of 6" in item["notes"]
    assert item["version"] == 4
    assert crew_events_sweep().dirty == 0  # the second sweep finds nothing


def test_sweep_cleans_a_version_less_item(table: Any) -> None:
    table.put_item(Item={"pk": "EVENT#evt_legacy", "sk": "EVENT", "notes": "tip was 50", "price": 9})
    report = crew_events_sweep()
    assert report.scrubbed == 1
    item = table.get_item(Key={"pk": "EVENT#evt_legacy", "sk": "EVENT"})["Item"]
    assert item == {"pk": "EVENT#evt_legacy", "sk": "EVENT", "notes": ""}


def test_sweep_is_the_beat_task(table: Any, db: Any) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["crew-events-sweep"]["task"] == "crew.tasks.crew_events_sweep"
    import crew.tasks  # noqa: F401  (what autodiscovery imports in a worker)

    result = app.tasks["crew.tasks.crew_events_sweep"].delay().get()
    assert result["dirty"] == 0 and result["scanned"] == 0


def test_backfill_writes_events_and_links_through_the_allow_list(table: Any) -> None:
    events = [_event(f"BACK{n}", revenue=100 + n, notes=f"fee ${n}00, dock {n}") for n in range(30)]
    assert crew_events_backfill(events) == 60
    mine = crew_events_for = dynamo.crew_events_for_member("cass@example.com")
    assert len(crew_events_for) == 30 == len(mine)
    for n in (0, 29):
        item = dynamo.crew_event_item(dynamo.crew_event_id(f"BACK{n}"))
        assert item is not None and dynamo.crew_item_problems(item) == []
        assert item["notes"] == f"dock {n}"
    with pytest.raises(ValueError, match="id and a version"):
        crew_events_backfill([{**_event("X"), "version": None}])


def test_backfill_sends_one_request_per_key_and_writes_what_came_before_a_bad_record(table: Any) -> None:
    twice = [
        {"email": "Cass@example.com", "name": "Cass", "role": "captain"},
        {"email": "cass@example.com", "name": "Cass Again", "role": "mate"},
    ]
    events = [_event(f"DUP{n}", crew=twice) for n in range(20)] + [{"id": "", "version": 1}]
    with pytest.raises(ValueError, match="needs an id and a version"):
        crew_events_backfill(events)
    for n in (0, 19):
        items = dynamo.crew_event_items(dynamo.crew_event_id(f"DUP{n}"))
        assert sorted(item["sk"] for item in items) == ["CREW#cass@example.com", "EVENT"]
        link = next(item for item in items if item["sk"] != "EVENT")
        assert link["crew"][1]["name"] == "Cass Again" and dynamo.crew_item_problems(link) == []


def test_backfill_resends_unprocessed_items(table: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # moto never throttles, so DynamoDB's "UnprocessedItems" answer is simulated on the shared client:
    # the first batch is written but reported as leaving its last two items unprocessed.
    from jada.aws import aws_client

    ddb = aws_client("dynamodb")
    real = ddb.batch_write_item
    sent: list[list[str]] = []

    def throttled_once(**kwargs: Any) -> Any:
        requests = kwargs["RequestItems"][settings.CREW_EVENTS_TABLE]
        sent.append([r["PutRequest"]["Item"]["sk"]["S"] + r["PutRequest"]["Item"]["pk"]["S"] for r in requests])
        response = real(**kwargs)
        if len(sent) == 1:
            return {**response, "UnprocessedItems": {settings.CREW_EVENTS_TABLE: requests[-2:]}}
        return response

    monkeypatch.setattr(ddb, "batch_write_item", throttled_once)
    assert crew_events_backfill([_event(f"RE{n}") for n in range(15)]) == 30
    assert [len(batch) for batch in sent] == [25, 7]
    assert sent[1][:2] == sent[0][-2:]  # re-sent first, with the rest
    assert len(dynamo.crew_events_for_member("cass@example.com")) == 15


_CLEAN = {
    "pk": "EVENT#evt_1",
    "sk": "EVENT",
    "id": "evt_1",
    "charter_ref": "QUICK1",
    "title": "Sunset sail #4",
    "starts_at": "2027-05-01T17:00:00+00:00",
    "vessel": "JADA",
    "meeting_point": "Dock 7",
    "guest_count": 6,
    "crew": [{"email": "cass@example.com", "name": "Cass", "role": "captain"}],
    "notes": "Party of 6, meet 14:00 at dock 7.",
    "status": "confirmed",
    "version": 3,
}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"revenue": 1450},
        {"notes": "Revenue $1,450, captain fee $300"},
        {"title": "Tip 20% for the captain"},
        {"title": 4},
        {"notes": None},
        {"meeting_point": ["Dock 7"]},
        {"crew": [{"email": "cass@example.com", "name": "Cass", "role": "captain", "fee": "300"}]},
        {"crew": [{"email": "cass@example.com", "name": "Cass gets $300", "role": "captain"}]},
        {"crew": [{"email": "cass@example.com", "role": "captain"}]},
        {"crew": [{"name": "Cass", "role": "captain"}]},
        {"crew": "cass@example.com"},
        {"id": 7},
        {"delivery_state": "pending"},
    ],
)
def test_the_sweeps_wire_check_says_clean_only_where_the_item_check_does(changes: dict[str, Any]) -> None:
    from boto3.dynamodb.types import TypeSerializer

    from crew.dynamo_sweep import _wire_item_clean

    item = {k: v for k, v in {**_CLEAN, **changes}.items() if v is not None}
    wire = {k: TypeSerializer().serialize(v) for k, v in item.items()}
    first = _wire_item_clean(wire)
    assert first == _wire_item_clean(wire)  # a remembered verdict is the same verdict
    if first:
        assert dynamo.crew_item_problems(item) == []
    if not changes or changes.keys() <= {"delivery_state", "id"}:
        assert first, "a clean item must take the fast path"


def test_a_sweep_checks_each_distinct_string_once(table: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(6):
        dynamo.crew_event_write(_event(f"SAME{n}", notes="Meet at dock 7 at 14:00."))
    checked: list[str] = []
    real = dynamo_sweep.money_findings

    def counted(text: str) -> list[str]:
        checked.append(text)
        return real(text)

    monkeypatch.setattr(dynamo_sweep, "money_findings", counted)
    report = crew_events_sweep()
    assert report.scanned == 12 and report.dirty == 0
    assert checked.count("Meet at dock 7 at 14:00.") == 1
    assert "2027-05-01T17:00:00+00:00" not in checked  # a lone timestamp needs no money check
    checked.clear()
    assert crew_events_sweep().scanned == 12
    assert checked == []  # the next sweep remembers every verdict


def test_a_remembered_verdict_never_outlives_its_text(table: Any) -> None:
    """A verdict is keyed on the exact text: an item whose notes gained money is caught on the
    very next sweep, whatever was remembered about its old notes."""
    dynamo.crew_event_write(_event("EDIT1", notes="Meet at dock 7 at 14:00."))
    assert crew_events_sweep().dirty == 0
    key = {"pk": dynamo.event_pk(dynamo.crew_event_id("EDIT1")), "sk": "EVENT"}
    table.update_item(Key=key, UpdateExpression="SET notes = :n", ExpressionAttributeValues={":n": MONEY_NOTES})
    report = crew_events_sweep()
    assert (report.dirty, report.scrubbed) == (1, 1)
    assert "1,450" not in table.get_item(Key=key)["Item"]["notes"]


def test_remembered_verdicts_stay_within_their_bound() -> None:
    verdicts = dynamo_sweep._Verdicts(limit=100)
    for n in range(1_000):
        verdicts.put(f"text number {n:04d}", n % 2 == 0)  # 16 characters each
    held = verdicts.new | verdicts._old
    assert len(held) <= 2 * (100 // 16 + 1)
    assert verdicts.get("text number 0999") is False and verdicts.get("text number 0998") is True
    assert verdicts.get("text number 0000") is None  # long gone: asked again, not guessed
    for text in held:  # what is still held is still right (or gone, never wrong)
        assert verdicts.get(text) in (int(text[-4:]) % 2 == 0, None)


def _leak(table: Any, ref: str) -> dict[str, str]:
    key = {"pk": dynamo.event_pk(dynamo.crew_event_id(ref)), "sk": "EVENT"}
    table.put_item(Item={**key, "charter_ref": ref, "notes": MONEY_NOTES, "revenue": 1450, "version": 2})
    return key


def _update_fails_for(monkeypatch: pytest.MonkeyPatch, key: dict[str, str], times: int) -> list[str]:
    """DynamoDB throttles the scrub's UpdateItem of ``key`` ``times`` times (moto never throttles)."""
    scrubbing = dynamo._table()
    real = scrubbing.update_item
    calls: list[str] = []

    def throttled(**kwargs: Any) -> Any:
        calls.append(kwargs["Key"]["pk"])
        if kwargs["Key"] == key and calls.count(key["pk"]) <= times:
            error: Any = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
            raise ClientError(error, "UpdateItem")
        return real(**kwargs)

    monkeypatch.setattr(scrubbing, "update_item", throttled)
    return calls


def test_a_scrub_that_fails_once_is_tried_again_after_the_scan(table: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [_leak(table, f"FAIL{n}") for n in range(3)]
    calls = _update_fails_for(monkeypatch, keys[1], times=1)
    report = crew_events_sweep(segments=2, page_size=1)
    assert (report.scanned, report.dirty, report.scrubbed) == (3, 3, 3)
    assert report.as_dict()["failed_items"] == []
    assert calls.count(keys[1]["pk"]) == 2
    for key in keys:
        assert dynamo.crew_item_problems(table.get_item(Key=key)["Item"]) == []


def test_a_scrub_that_keeps_failing_is_reported_and_raised_after_every_other_leak_is_cleaned(
    table: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    keys = [_leak(table, f"STUCK{n}") for n in range(4)]
    _update_fails_for(monkeypatch, keys[0], times=99)
    with caplog.at_level(logging.ERROR, logger="crew.dynamo_sweep"), pytest.raises(ClientError):
        crew_events_sweep(segments=2, page_size=1)
    assert f"could not scrub 1 dirty item(s): {keys[0]['pk']} EVENT" in caplog.text
    assert "found 4 dirty item(s) of 4 and scrubbed 3" in caplog.text
    assert "revenue" in table.get_item(Key=keys[0])["Item"]
    for key in keys[1:]:  # the failure stopped nothing else
        assert dynamo.crew_item_problems(table.get_item(Key=key)["Item"]) == []
    monkeypatch.undo()
    report = crew_events_sweep()  # the task's retry: the next sweep cleans it
    assert (report.dirty, report.scrubbed) == (1, 1)
