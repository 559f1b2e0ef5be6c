"""The crew-facing store: item shape, newer-only writes, the portal's two reads, one-item scrub."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from crew import dynamo
from crew.crew_facing import CREW_FACING_FIELDS, crew_facing
from jada.aws import aws_resource


@pytest.fixture
def table() -> Any:
    dynamo.crew_events_table_ensure()
    return aws_resource("dynamodb").Table(settings.CREW_EVENTS_TABLE)


def _event(ref: str = "XHQGMDH", version: int = 1, **changes: Any) -> dict[str, Any]:
    event = {
        "id": dynamo.crew_event_id(ref),
        "charter_ref": ref,
        "title": "JADA charter, party of 6",
        "starts_at": "2024-05-30T14:00:00-07:00",
        "ends_at": "2024-05-30T18:00:00-07:00",
        "vessel": "JADA",
        "meeting_point": "Dock 7, Shelter Island",
        "guest_count": 6,
        "crew": [
            {"email": "Cap@Example.com", "name": "Cap Tain", "role": "captain"},
            {"email": "deck@example.com", "name": "Deck Hand", "role": "deckhand"},
        ],
        "notes": "Meet at dock 7 at 14:00",
        "status": "confirmed",
        "updated_at": "2024-05-01T10:00:00+00:00",
        "version": version,
    }
    return {**event, **changes}


def test_allow_list_is_exactly_the_crew_facing_fields() -> None:
    assert set(CREW_FACING_FIELDS) == {
        "id", "charter_ref", "title", "starts_at", "ends_at", "vessel", "meeting_point",
        "guest_count", "crew", "notes", "status", "updated_at", "version",
    }  # fmt: skip


def test_event_id_is_a_function_of_the_charter_ref() -> None:
    assert dynamo.crew_event_id("xhqgmdh") == dynamo.crew_event_id("XHQGMDH")
    assert dynamo.crew_event_id("XHQGMDH") != dynamo.crew_event_id("XHQGMDI")
    assert dynamo.EVENT_ID_RE.fullmatch(dynamo.crew_event_id("XHQGMDH"))


def test_write_creates_event_and_one_link_per_member_found_by_index(table: Any) -> None:
    event = _event()
    dynamo.crew_event_write(event)
    items = {item["sk"]: item for item in dynamo.crew_event_items(event["id"])}
    assert set(items) == {"EVENT", "CREW#cap@example.com", "CREW#deck@example.com"}
    link = items["CREW#cap@example.com"]
    assert link["gsi1pk"] == "CREW#cap@example.com"
    assert link["gsi1sk"] == f"2024-05-30T21:00:00Z#{event['id']}"
    assert set(link) <= dynamo.ITEM_ATTRIBUTES

    mine = dynamo.crew_events_for_member("CAP@example.com")
    assert [e["id"] for e in mine] == [event["id"]]
    assert set(mine[0]) == set(CREW_FACING_FIELDS)
    assert mine[0]["guest_count"] == 6 and mine[0]["version"] == 1
    assert dynamo.crew_events_for_member("nobody@example.com") == []
    assert dynamo.crew_event_get(event["id"]) == mine[0]
    assert dynamo.crew_event_get("evt_00000000000000000000") is None
    assert dynamo.crew_event_get("../../etc") is None


def test_older_write_never_overwrites_newer(table: Any) -> None:
    dynamo.crew_event_write(_event(version=3, notes="newest"))
    with pytest.raises(dynamo.StaleWriteError):
        dynamo.crew_event_write(_event(version=2, notes="older"))
    with pytest.raises(dynamo.StaleWriteError):
        dynamo.crew_event_write(_event(version=3, notes="same version"))
    assert dynamo.crew_event_get(dynamo.crew_event_id("XHQGMDH"))["notes"] == "newest"  # type: ignore[index]


def test_removed_member_loses_link(table: Any) -> None:
    first = _event()
    dynamo.crew_event_write(first)
    second = _event(version=2, crew=[{"email": "deck@example.com", "name": "Deck Hand", "role": "deckhand"}])
    dynamo.crew_event_write(second, previous_crew=["cap@example.com", "deck@example.com"])
    assert dynamo.crew_events_for_member("cap@example.com") == []
    assert [e["version"] for e in dynamo.crew_events_for_member("deck@example.com")] == [2]


def test_scrub_removes_attributes_outside_allow_list_and_rewrites_notes(table: Any) -> None:
    event = _event()
    dynamo.crew_event_write(event)
    key = {"pk": dynamo.event_pk(event["id"]), "sk": "EVENT"}
    table.update_item(
        Key=key,
        UpdateExpression="SET revenue = :r, captain_fee = :f, notes = :n",
        ExpressionAttributeValues={":r": 1450, ":f": 300, ":n": "Revenue $1,450 — dock 7 at 14:00"},
    )
    item = dynamo.crew_event_item(event["id"])
    assert item is not None and dynamo.crew_item_problems(item)
    result = dynamo.crew_item_scrub(item)
    assert result.removed == ["captain_fee", "revenue"] and result.rewritten == ["notes"]
    clean = dynamo.crew_event_item(event["id"])
    assert clean is not None and dynamo.crew_item_problems(clean) == []
    assert "revenue" not in clean and clean["notes"] == "Dock 7 at 14:00"  # the phrase goes, not just its digits
    assert clean["version"] == 1


def test_scrub_is_conditional_on_the_version_it_read(table: Any) -> None:
    event = _event()
    dynamo.crew_event_write(event)
    stale = dynamo.crew_event_item(event["id"])
    assert stale is not None
    stale["payout"] = 99  # as if read with a leak, then a newer version is written
    dynamo.crew_event_write(_event(version=2, notes="v2"))
    result = dynamo.crew_item_scrub(stale)
    assert result.lost_race
    fresh = dynamo.crew_event_item(event["id"])
    assert fresh is not None and fresh["version"] == 2 and fresh["notes"] == "v2"


def test_write_stores_exactly_the_built_items_scrubbed(table: Any) -> None:
    # The write path serialises items itself (low-level client); what lands must be what the
    # item builders (and the backfill's ``facing_items``) produce, money scrubbed, nothing extra.
    event = _event(notes="fee $300, dock 7", revenue=1450, crew=[*_event()["crew"], "not an entry"])
    dynamo.crew_event_write(event)
    stored = {item["sk"]: item for item in dynamo.crew_event_items(event["id"])}
    built = [
        dynamo.event_item(event),
        *(dynamo.crew_link_item(event, e) for e in ("cap@example.com", "deck@example.com")),
    ]
    assert stored == {item["sk"]: item for item in built}
    facing = crew_facing(event)
    assert dynamo.facing_items(facing, ["Cap@Example.com", "deck@example.com"]) == built
    assert stored["EVENT"]["notes"] == "dock 7" and "revenue" not in stored["EVENT"]
    assert stored["EVENT"]["delivery_state"] == "pending" and "delivery_state" not in stored["CREW#cap@example.com"]


def test_wire_format_is_type_serializers() -> None:
    from decimal import Decimal

    from boto3.dynamodb.types import TypeSerializer

    values: list[Any] = ["", "x", 0, -5, 10**37, [], [{"email": "a", "name": "", "role": "r"}], {"a": [1, "b"]}]
    values += [True, Decimal("1.5"), b"x", {"s"}]
    for value in values:
        assert dynamo._wire(value) == TypeSerializer().serialize(value)
