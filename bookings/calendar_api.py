"""The JADA Internal Calendar API: ``/api/calendar`` (``X-Dashboard-Token``), a router of ``jada.api``.

It replaces the hand-run curl calls against the old dashboard: one entry per charter, upserted
by ``charter_id``, so any caller may repeat a POST safely. The token check is one small
function (``dashboard_token_valid``); bodies, errors and the size cap are the shared plumbing's,
so no input — a huge header, a body that is not UTF-8, JSON that is not an object — gets past
validation into a 500. Unknown fields in a body are ignored by the schema and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import Field, Query, Router, Schema, Status
from ninja.security import APIKeyHeader
from pydantic import StrictInt, StrictStr, ValidationInfo, field_validator

from bookings.models import InternalCalendarEvent
from jada.api import not_allowed
from jada.errors import ConfigurationError, CredentialsRefused, FieldError, NotFoundError

CHARTER_ID_RE = re.compile(r"[A-Za-z0-9]{1,32}")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_RANGE_DAYS = 731
TEXT_LIMITS = {"title": 200, "vessel": 100, "brand": 40, "status": 16, "meeting_point": 300}


def dashboard_token_valid(presented: str | None) -> bool:
    """True when ``presented`` equals ``DASHBOARD_TOKEN``, compared in constant time.

    Both sides are hashed first so the comparison takes the same time whatever the lengths; a
    header WSGI decoded as latin-1 is re-encoded losslessly, so odd bytes compare, never raise.
    """
    expected = settings.DASHBOARD_TOKEN
    if not expected or presented is None:
        return False
    got = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).digest()
    want = hashlib.sha256(expected.encode("utf-8")).digest()
    return hmac.compare_digest(got, want)


class DashboardToken(APIKeyHeader):
    """``X-Dashboard-Token``: 503 while the server has no token, 401 for a missing or wrong one."""

    param_name = "X-Dashboard-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> bool:
        if not settings.DASHBOARD_TOKEN:
            raise ConfigurationError("The calendar API is not configured: DASHBOARD_TOKEN is not set on the server.")
        if not dashboard_token_valid(key):
            raise CredentialsRefused("Missing or wrong X-Dashboard-Token.")
        return True


# --- what callers send --------------------------------------------------------------------------
def charter_id_clean(value: object) -> str:
    if not isinstance(value, str) or not CHARTER_ID_RE.fullmatch(value):
        raise ValueError("charter_id must be 1–32 letters and digits, e.g. XHQGMDH.")
    return value.upper()


def _date(value: object, field: str) -> date:
    if isinstance(value, str) and DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{field} must be a date written YYYY-MM-DD.")


def _moment(value: object, field: str) -> datetime | None:
    if value is None:
        return None
    parsed = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValueError(f"{field} must be an ISO 8601 date-time with an offset, e.g. 2024-05-30T14:00:00-07:00.")
    return parsed


def _text(name: str) -> Any:
    limit = TEXT_LIMITS[name]
    return Field("", max_length=limit, description=f"at most {limit} characters")


class CalendarEntryIn(Schema):
    """One charter's calendar entry; unknown fields are ignored and never stored."""

    charter_id: str = Field(..., description="1–32 letters and digits, e.g. XHQGMDH (stored upper-case)")
    date: str = Field(..., description="YYYY-MM-DD")
    starts_at: str | None = Field(None, description="ISO 8601 with an offset")
    ends_at: str | None = Field(None, description="ISO 8601 with an offset, after starts_at")
    title: StrictStr | None = _text("title")
    vessel: StrictStr | None = _text("vessel")
    brand: StrictStr | None = _text("brand")
    status: StrictStr | None = _text("status")
    meeting_point: StrictStr | None = _text("meeting_point")
    guest_count: StrictInt | None = Field(None, ge=1, le=999)

    @field_validator("charter_id", mode="before")
    @classmethod
    def charter_id_valid(cls, value: object) -> str:
        return charter_id_clean(value)

    @field_validator("date", mode="before")
    @classmethod
    def date_valid(cls, value: object) -> str:
        return _date(value, "date").isoformat()

    @field_validator("starts_at", "ends_at", mode="before")
    @classmethod
    def moments_valid(cls, value: object, info: ValidationInfo) -> str | None:
        moment = _moment(value, str(info.field_name))
        return moment.isoformat() if moment else None

    @field_validator("ends_at")
    @classmethod
    def ends_after_start(cls, value: str | None, info: ValidationInfo) -> str | None:
        starts = info.data.get("starts_at")
        if value and starts and datetime.fromisoformat(value) <= datetime.fromisoformat(starts):
            raise ValueError("ends_at must be after starts_at.")
        return value

    def stored_fields(self) -> dict[str, Any]:
        return {
            "date": date.fromisoformat(self.date),
            "starts_at": datetime.fromisoformat(self.starts_at) if self.starts_at else None,
            "ends_at": datetime.fromisoformat(self.ends_at) if self.ends_at else None,
            "guest_count": self.guest_count,
            **{name: getattr(self, name) or "" for name in TEXT_LIMITS},
        }


class CalendarRange(Schema):
    from_: Annotated[str, Field(alias="from", description="YYYY-MM-DD")]
    to: Annotated[str, Field(description="YYYY-MM-DD, on or after from, at most two years later")]

    @field_validator("from_", mode="before")
    @classmethod
    def from_valid(cls, value: object) -> str:
        return _date(value, "from").isoformat()

    @field_validator("to", mode="before")
    @classmethod
    def to_valid(cls, value: object, info: ValidationInfo) -> str:
        end = _date(value, "to")
        start = info.data.get("from_")
        if start and end < date.fromisoformat(start):
            raise ValueError("to must be on or after from.")
        if start and end - date.fromisoformat(start) > timedelta(days=MAX_RANGE_DAYS):
            raise ValueError(f"The range may span at most {MAX_RANGE_DAYS} days; to is too far.")
        return end.isoformat()


# --- what callers get ---------------------------------------------------------------------------
def _iso(value: datetime | None) -> str | None:
    """Times go out in the company's zone with their offset, whatever zone they came in."""
    return timezone.localtime(value).isoformat() if value else None


def entry_json(entry: InternalCalendarEvent) -> dict[str, Any]:
    return {
        "charter_id": entry.charter_id,
        "date": entry.date.isoformat(),
        "title": entry.title,
        "starts_at": _iso(entry.starts_at),
        "ends_at": _iso(entry.ends_at),
        "vessel": entry.vessel,
        "brand": entry.brand,
        "status": entry.status,
        "meeting_point": entry.meeting_point,
        "guest_count": entry.guest_count,
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
    }


def _entry(charter_id: str) -> InternalCalendarEvent:
    try:
        code = charter_id_clean(charter_id)
    except ValueError as exc:
        raise FieldError("charter_id", str(exc)) from None
    entry = InternalCalendarEvent.objects.filter(charter_id=code).first()
    if entry is None:
        raise NotFoundError(f"No calendar entry for charter {code}.")
    return entry


# --- the routes ---------------------------------------------------------------------------------
router = Router(auth=DashboardToken(), tags=["calendar"])


@router.post(
    "",
    url_name="calendar-api",
    response={200: dict[str, Any], 201: dict[str, Any]},
    summary="Upsert one entry by charter_id (201 created, 200 updated)",
)
def calendar_entry_upsert(request: HttpRequest, payload: CalendarEntryIn) -> Status:
    fields = payload.stored_fields()
    key = request.headers.get("Idempotency-Key", "")[:100]
    with transaction.atomic():
        entry, created = InternalCalendarEvent.objects.select_for_update().get_or_create(
            charter_id=payload.charter_id, defaults={**fields, "idempotency_key": key}
        )
        if not created and not (key and key == entry.idempotency_key):
            for name, value in fields.items():
                setattr(entry, name, value)
            entry.idempotency_key = key
            entry.save()
    return Status(201 if created else 200, entry_json(entry))


@router.get("", summary="The entries dated in a range")
def calendar_entries_list(request: HttpRequest, span: Query[CalendarRange]) -> dict[str, Any]:
    entries = InternalCalendarEvent.objects.filter(date__gte=span.from_, date__lte=span.to)
    return {"from": span.from_, "to": span.to, "entries": [entry_json(e) for e in entries]}


@router.get("/{charter_id}", url_name="calendar-api-item", summary="One charter's entry (404 when none)")
def calendar_entry_read(request: HttpRequest, charter_id: str) -> dict[str, Any]:
    return entry_json(_entry(charter_id))


@router.delete("/{charter_id}", summary="Remove one charter's entry (204; 404 when none)")
def calendar_entry_delete(request: HttpRequest, charter_id: str) -> HttpResponse:
    _entry(charter_id).delete()
    return HttpResponse(status=204)


not_allowed(router, "", ("GET", "POST"))
not_allowed(router, "/{charter_id}", ("GET", "DELETE"))
