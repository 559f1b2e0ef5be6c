"""The portal's low-level read gives exactly what boto3's resource layer gave, and follows pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from django.conf import settings

from crew import dynamo
from crew.dynamo_values import plain, plain_item
from jada.aws import aws_client, aws_resource

VALUES: list[Any] = [
    "",
    "Sunset sail",
    Decimal("0"),
    Decimal("-12.5"),
    Decimal("12345678901234567890123456789012345678"),
    True,
    False,
    None,
    Binary(b"\x00\xff"),
    {"a", "b"},
    {Decimal("1"), Decimal("2.5")},
    {Binary(b"x"), Binary(b"y")},
    [],
    {},
    [Decimal("1"), "two", None, [True, {"deep": {"deeper": ["x"]}}]],
    {"crew": [{"email": "ana@example.com", "name": "Ana", "role": "captain"}], "guest_count": Decimal("6")},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_plain_equals_type_deserializer(value: Any) -> None:
    wire: Any = TypeSerializer().serialize(value)
    expected = TypeDeserializer().deserialize(wire)
    got = plain(wire)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("wire", [{}, {"X": "1"}], ids=repr)
def test_malformed_values_fail_as_type_deserializer_does(wire: Any) -> None:
    with pytest.raises(TypeError):
        TypeDeserializer().deserialize(wire)
    with pytest.raises(TypeError):
        plain(wire)


def _event(i: int, email: str) -> dict[str, Any]:
    return {
        "id": dynamo.crew_event_id(f"VAL{i}"),
        "charter_ref": f"VAL{i}",
        "title": f"Charter {i}",
        "starts_at": f"2024-06-{i + 1:02d}T14:00:00-07:00",
        "ends_at": f"2024-06-{i + 1:02d}T18:00:00-07:00",
        "vessel": "JADA",
        "meeting_point": "Dock 7",
        "guest_count": 6,
        "crew": [{"email": email, "name": "Ana Captain", "role": "captain"}],
        "notes": "Bring the spare cooler.",
        "status": "confirmed",
        "updated_at": "2024-05-01T10:00:00-07:00",
        "version": 1,
    }


def test_items_as_the_resource_layer_returns_them() -> None:
    dynamo.crew_events_table_ensure()
    for i in range(3):
        dynamo.crew_event_write(_event(i, "ana@example.com"))
    raw = aws_client("dynamodb").query(
        TableName=settings.CREW_EVENTS_TABLE,
        IndexName="by_crew",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "CREW#ana@example.com"}},
    )["Items"]
    table = aws_resource("dynamodb").Table(settings.CREW_EVENTS_TABLE)
    resource = table.query(IndexName="by_crew", KeyConditionExpression=Key("gsi1pk").eq("CREW#ana@example.com"))
    assert [plain_item(item) for item in raw] == resource["Items"]


def test_a_members_events_are_read_across_pages() -> None:
    dynamo.crew_events_table_ensure()
    for i in range(5):
        dynamo.crew_event_write(_event(i, "ana@example.com"))
    ddb = aws_client("dynamodb")
    calls: list[dict[str, Any]] = []

    def two_per_page(params: dict[str, Any], **kwargs: Any) -> None:
        params["Limit"] = 2
        calls.append(dict(params))

    ddb.meta.events.register("provide-client-params.dynamodb.Query", two_per_page)
    try:
        events = dynamo.crew_events_for_member("ana@example.com")
    finally:
        ddb.meta.events.unregister("provide-client-params.dynamodb.Query", two_per_page)
    assert [e["charter_ref"] for e in events] == [f"VAL{i}" for i in range(5)]
    assert len(calls) == 3 and "ExclusiveStartKey" in calls[-1]
