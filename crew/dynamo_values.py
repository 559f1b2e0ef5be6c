"""Plain Python values from DynamoDB's low-level AttributeValues, exactly as boto3's
``TypeDeserializer`` gives them (``Decimal`` numbers, ``Binary``, sets), only cheaper.

The crew portal reads every event of a member on each page; boto3's resource layer walks the
whole response model and dispatches each value by name, which cost more than the fields
themselves. Strings, numbers, maps, lists, booleans and NULL are converted here directly; the
rarer types (binary, sets) go through ``TypeDeserializer`` itself. A test holds the two equal.
"""

from __future__ import annotations

from typing import Any, cast

from boto3.dynamodb.types import DYNAMODB_CONTEXT, TypeDeserializer

_DESERIALIZER = TypeDeserializer()


def plain(value: dict[str, Any]) -> Any:
    """One AttributeValue (``{"S": "x"}``, ``{"M": {...}}`` …) as a Python value."""
    if len(value) == 1:
        ((kind, inner),) = value.items()
        if kind == "S":
            return inner
        if kind == "N":
            return DYNAMODB_CONTEXT.create_decimal(inner)
        if kind == "M":
            return {name: plain(v) for name, v in inner.items()}
        if kind == "L":
            return [plain(v) for v in inner]
        if kind == "BOOL":
            return inner
        if kind == "NULL":
            return None
    return _DESERIALIZER.deserialize(cast(Any, value))


def plain_item(item: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A low-level item (attribute name → AttributeValue) as the resource layer would return it."""
    return {name: plain(value) for name, value in item.items()}
