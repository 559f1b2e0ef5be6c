"""THE allow-list of crew-facing fields, and the one function that builds a crew-facing record.

Every crew-facing output — the DynamoDB item, the SCC API response, the crew portal, e-mails,
calendar feeds — goes through ``crew_facing()``. It copies the fields named below and nothing
else, so a financial column added anywhere upstream is excluded by default (fail closed). Free
text is scrubbed again on the way out: scrubbing is idempotent and cheap, and a record that
somehow escaped the write-time scrub still never shows an amount.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crew.scrub import scrub_text

CREW_FACING_FIELDS: tuple[str, ...] = (
    "id",
    "charter_ref",
    "title",
    "starts_at",
    "ends_at",
    "vessel",
    "meeting_point",
    "guest_count",
    "crew",
    "notes",
    "status",
    "updated_at",
    "version",
)
CREW_ENTRY_FIELDS: tuple[str, ...] = ("email", "name", "role")
# Free-text fields a person typed somewhere upstream; each is scrubbed on write and on read.
FREE_TEXT_FIELDS: tuple[str, ...] = ("title", "vessel", "meeting_point", "notes")
EVENT_STATUSES: tuple[str, ...] = ("confirmed", "tentative", "cancelled")


def _number(value: Any) -> int | None:
    # DynamoDB hands numbers back as Decimal; crew-facing numbers are whole (guest_count, version).
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        return int(value)
    return None


def crew_entry_facing(entry: Any) -> dict[str, str] | None:
    """One ``{email, name, role}`` entry, or None when it is not a mapping with an e-mail."""
    if not isinstance(entry, dict) or not isinstance(entry.get("email"), str):
        return None
    return {
        "email": entry["email"],
        "name": scrub_text(str(entry.get("name") or "")),
        "role": scrub_text(str(entry.get("role") or "")),
    }


def crew_facing(record: dict[str, Any]) -> dict[str, Any]:
    """The crew-facing view of ``record``: exactly ``CREW_FACING_FIELDS``, free text scrubbed."""
    facing: dict[str, Any] = {}
    for name in CREW_FACING_FIELDS:
        value = record.get(name)
        if name in FREE_TEXT_FIELDS:
            value = scrub_text(value) if isinstance(value, str) else ""
        elif name in ("guest_count", "version"):
            value = _number(value)
        elif name == "crew":
            entries = [crew_entry_facing(e) for e in value] if isinstance(value, list) else []
            value = [e for e in entries if e is not None]
        elif value is not None and not isinstance(value, str):
            value = None  # id, charter_ref, times, status and updated_at are strings or absent
        facing[name] = value
    return facing
