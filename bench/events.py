"""Synthetic crew events shaped like the booking flow's, and raw-item helpers for baselines.

Notes mix operational numbers with money so the product's scrubbing does its real work.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.types import TypeSerializer

CREW_POOL = 40
_serializer = TypeSerializer()


def crew_email(n: int) -> str:
    return f"crew{n % CREW_POOL:02d}@bench.example"


def event_ref(index: int, prefix: str = "BENCH") -> str:
    return f"{prefix}{index:07d}"


def bench_event(index: int, *, version: int = 1, crew: int = 2, prefix: str = "BENCH") -> dict[str, Any]:
    """One crew-facing event (the SCC JSON shape) with ``crew`` assigned members."""
    from crew.dynamo import crew_event_id

    ref = event_ref(index, prefix)
    starts = datetime(2027, 5, 1, 17, tzinfo=UTC) + timedelta(hours=6 * index)
    return {
        "id": crew_event_id(ref),
        "charter_ref": ref,
        "title": f"Sunset sail for the Rivera party #{index}",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "vessel": "JADA",
        "meeting_point": "Dock 7, Harbor Island West",
        "guest_count": 6,
        "crew": [
            {"email": crew_email(index + k), "name": f"Crew Member {(index + k) % CREW_POOL}", "role": role}
            for k, role in zip(range(crew), ("captain", "deckhand", "deckhand", "steward"), strict=False)
        ],
        "notes": "Party of 6, meet 14:00 at dock 7. Two coolers aboard; slip B-12 after return.",
        "status": "confirmed",
        "updated_at": starts.isoformat(),
        "version": version,
    }


def serialize(item: dict[str, Any]) -> dict[str, Any]:
    """A resource-style item as the low-level client's AttributeValue map."""
    return {k: _serializer.serialize(v) for k, v in item.items()}


def store_items(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Exactly the items the crew store writes for ``event``: the event item and one link per member."""
    from crew.dynamo import crew_link_item, event_item

    return [event_item(event), *(crew_link_item(event, entry["email"]) for entry in event["crew"])]
