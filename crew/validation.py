"""Validating SCC event input: a typed, allow-listed dict out, or a ``FieldError`` naming the field.

Only the fields of the crew-facing allow-list are read; anything else in the request is ignored
and so can never be stored. ``id`` and ``updated_at`` are the server's to set.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from crew.crew_facing import EVENT_STATUSES
from jada.errors import FieldError

__all__ = ["FieldError", "charter_ref_clean", "event_changes_clean", "event_input_clean", "version_clean"]

CHARTER_REF_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
TEXT_LIMITS = {"title": 200, "vessel": 100, "meeting_point": 300, "notes": 4000}
MAX_CREW = 50
MAX_GUESTS = 1000
MAX_VERSION = 2**53


def charter_ref_clean(value: object) -> str:
    if not isinstance(value, str) or not CHARTER_REF_RE.fullmatch(value.strip()):
        raise FieldError("charter_ref", "charter_ref must be 1–64 letters, digits, '-' or '_', e.g. XHQGMDH.")
    return value.strip().upper()


def _text(value: object, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FieldError(name, f"{name} must be a string.")
    if len(value) > TEXT_LIMITS[name]:
        raise FieldError(name, f"{name} must be at most {TEXT_LIMITS[name]} characters.")
    return value.strip()


def _moment(value: object, name: str) -> str:
    parsed = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise FieldError(name, f"{name} must be an ISO 8601 date-time with an offset, e.g. 2024-05-30T14:00:00-07:00.")
    return parsed.isoformat()


def _guest_count(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_GUESTS:
        raise FieldError("guest_count", f"guest_count must be a whole number from 0 to {MAX_GUESTS}.")
    return value


def _crew(value: object) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_CREW:
        raise FieldError("crew", f"crew must be a list of at most {MAX_CREW} {{email, name, role}} objects.")
    crew: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise FieldError(f"crew[{index}]", "each crew entry must be an object with email, name and role.")
        email = entry.get("email")
        try:
            if not isinstance(email, str) or len(email) > 254:
                raise ValidationError("bad")
            validate_email(email.strip())
        except ValidationError:
            raise FieldError(f"crew[{index}].email", "email must be a valid e-mail address.") from None
        fields = {"email": email.strip().lower()}
        for name, limit in (("name", 150), ("role", 32)):
            text = entry.get(name, "")
            if text is None:
                text = ""
            if not isinstance(text, str) or len(text) > limit:
                raise FieldError(f"crew[{index}].{name}", f"{name} must be a string of at most {limit} characters.")
            fields[name] = text.strip()
        if fields["email"] not in seen:
            seen.add(fields["email"])
            crew.append(fields)
    return crew


def _status(value: object) -> str:
    if value is None:
        return "confirmed"
    if not isinstance(value, str) or value not in EVENT_STATUSES:
        raise FieldError("status", f"status must be one of: {', '.join(EVENT_STATUSES)}.")
    return value


def version_clean(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VERSION:
        raise FieldError("version", "version must be a whole number of 1 or more.")
    return value


_CLEANERS: dict[str, Any] = {
    "title": lambda v: _text(v, "title"),
    "starts_at": lambda v: _moment(v, "starts_at"),
    "ends_at": lambda v: _moment(v, "ends_at"),
    "vessel": lambda v: _text(v, "vessel"),
    "meeting_point": lambda v: _text(v, "meeting_point"),
    "guest_count": _guest_count,
    "crew": _crew,
    "notes": lambda v: _text(v, "notes"),
    "status": _status,
}
REQUIRED = ("charter_ref", "title", "starts_at", "ends_at")


def event_input_clean(data: object) -> dict[str, Any]:
    """A full event (POST): required fields present, all fields typed, unknown fields dropped."""
    if not isinstance(data, dict):
        raise FieldError("body", "The body must be a JSON object.")
    for name in REQUIRED:
        if data.get(name) in (None, ""):
            raise FieldError(name, f"{name} is required.")
    cleaned: dict[str, Any] = {"charter_ref": charter_ref_clean(data["charter_ref"])}
    cleaned.update({name: clean(data.get(name)) for name, clean in _CLEANERS.items()})
    if not cleaned["title"]:
        raise FieldError("title", "title is required.")
    _check_order(cleaned)
    return cleaned


def event_changes_clean(data: object, *, current: dict[str, Any]) -> dict[str, Any]:
    """A partial change (PATCH) applied to ``current``: the full cleaned event that results."""
    if not isinstance(data, dict):
        raise FieldError("body", "The body must be a JSON object.")
    if "charter_ref" in data and charter_ref_clean(data["charter_ref"]) != current["charter_ref"]:
        raise FieldError("charter_ref", "charter_ref cannot be changed; create a new event instead.")
    cleaned = {name: current.get(name) for name in ("charter_ref", *_CLEANERS)}
    for name, clean in _CLEANERS.items():
        if name in data:
            cleaned[name] = clean(data[name])
    for name in REQUIRED:
        if not cleaned.get(name):
            raise FieldError(name, f"{name} cannot be empty.")
    _check_order(cleaned)
    return cleaned


def _check_order(cleaned: dict[str, Any]) -> None:
    if datetime.fromisoformat(cleaned["ends_at"]) <= datetime.fromisoformat(cleaned["starts_at"]):
        raise FieldError("ends_at", "ends_at must be after starts_at.")
