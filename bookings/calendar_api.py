"""The JADA Internal Calendar API: ``/api/calendar`` (``X-Dashboard-Token``).

It replaces the hand-run curl calls against the old dashboard: one entry per charter, upserted
by ``charter_id``, so any caller may repeat a POST safely. The token check is one small
function (``dashboard_token_valid``); every refusal is JSON, and no input — a huge header, a
body that is not UTF-8, JSON that is not an object — gets past validation into a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from bookings.models import InternalCalendarEvent

CHARTER_ID_RE = re.compile(r"[A-Za-z0-9]{1,32}")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_RANGE_DAYS = 731
TEXT_LIMITS = {"title": 200, "vessel": 100, "brand": 40, "status": 16, "meeting_point": 300}


class FieldError(Exception):
    """A request field that is missing or malformed; answered with 400 naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


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


def _error(status: int, message: str, **extra: str) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _auth_refusal(request: HttpRequest) -> JsonResponse | None:
    if not settings.DASHBOARD_TOKEN:
        return _error(503, "The calendar API is not configured: DASHBOARD_TOKEN is not set on the server.")
    if not dashboard_token_valid(request.META.get("HTTP_X_DASHBOARD_TOKEN")):
        return _error(401, "Missing or wrong X-Dashboard-Token.")
    return None


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


def _charter_id(value: object) -> str:
    if not isinstance(value, str) or not CHARTER_ID_RE.fullmatch(value):
        raise FieldError("charter_id", "charter_id must be 1–32 letters and digits, e.g. XHQGMDH.")
    return value.upper()


def _date(value: object, field: str) -> date:
    if isinstance(value, str) and DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise FieldError(field, f"{field} must be a date written YYYY-MM-DD.")


def _datetime(value: object, field: str) -> datetime | None:
    if value is None:
        return None
    parsed = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise FieldError(
            field, f"{field} must be an ISO 8601 date-time with an offset, e.g. 2024-05-30T14:00:00-07:00."
        )
    return parsed


def _text(body: dict[str, Any], field: str) -> str:
    value = body.get(field, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > TEXT_LIMITS[field]:
        raise FieldError(field, f"{field} must be text of at most {TEXT_LIMITS[field]} characters.")
    return value


def _guest_count(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 1000:
        raise FieldError("guest_count", "guest_count must be a whole number between 1 and 999.")
    return value


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body.decode("utf-8"))
    except UnicodeDecodeError:
        raise FieldError("body", "The body must be UTF-8 encoded JSON.") from None
    except (ValueError, RecursionError):
        raise FieldError("body", "The body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise FieldError("body", "The body must be a JSON object.")
    return body


def entry_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The stored fields from a request body; unknown fields are ignored and never stored."""
    fields: dict[str, Any] = {
        "date": _date(body.get("date"), "date"),
        "starts_at": _datetime(body.get("starts_at"), "starts_at"),
        "ends_at": _datetime(body.get("ends_at"), "ends_at"),
        "guest_count": _guest_count(body.get("guest_count")),
    }
    for name in TEXT_LIMITS:
        fields[name] = _text(body, name)
    if fields["starts_at"] and fields["ends_at"] and fields["ends_at"] <= fields["starts_at"]:
        raise FieldError("ends_at", "ends_at must be after starts_at.")
    return fields


def _upsert(request: HttpRequest) -> JsonResponse:
    body = _body(request)
    charter_id = _charter_id(body.get("charter_id"))
    fields = entry_fields(body)
    key = request.META.get("HTTP_IDEMPOTENCY_KEY", "")[:100]
    with transaction.atomic():
        entry, created = InternalCalendarEvent.objects.select_for_update().get_or_create(
            charter_id=charter_id, defaults={**fields, "idempotency_key": key}
        )
        if not created and not (key and key == entry.idempotency_key):
            for name, value in fields.items():
                setattr(entry, name, value)
            entry.idempotency_key = key
            entry.save()
    return JsonResponse(entry_json(entry), status=201 if created else 200)


def _list(request: HttpRequest) -> JsonResponse:
    start = _date(request.GET.get("from"), "from")
    end = _date(request.GET.get("to"), "to")
    if end < start:
        raise FieldError("to", "to must be on or after from.")
    if end - start > timedelta(days=MAX_RANGE_DAYS):
        raise FieldError("to", f"The range may span at most {MAX_RANGE_DAYS} days.")
    entries = InternalCalendarEvent.objects.filter(date__gte=start, date__lte=end)
    return JsonResponse({"from": start.isoformat(), "to": end.isoformat(), "entries": [entry_json(e) for e in entries]})


@csrf_exempt
def calendar_collection(request: HttpRequest) -> HttpResponse:
    """``POST`` upserts one entry by ``charter_id`` (201 created, 200 updated); ``GET`` lists a date range."""
    if request.method not in ("GET", "POST"):
        return _error(405, "Use GET or POST.")
    refusal = _auth_refusal(request)
    if refusal:
        return refusal
    try:
        return _upsert(request) if request.method == "POST" else _list(request)
    except FieldError as exc:
        return _error(400, exc.message, field=exc.field)


@csrf_exempt
def calendar_item(request: HttpRequest, charter_id: str) -> HttpResponse:
    """``GET`` reads and ``DELETE`` removes the entry of one charter (404 when there is none)."""
    if request.method not in ("GET", "DELETE"):
        return _error(405, "Use GET or DELETE.")
    refusal = _auth_refusal(request)
    if refusal:
        return refusal
    try:
        code = _charter_id(charter_id)
    except FieldError as exc:
        return _error(400, exc.message, field=exc.field)
    entry = InternalCalendarEvent.objects.filter(charter_id=code).first()
    if entry is None:
        return _error(404, f"No calendar entry for charter {code}.")
    if request.method == "GET":
        return JsonResponse(entry_json(entry))
    entry.delete()
    return HttpResponse(status=204)
