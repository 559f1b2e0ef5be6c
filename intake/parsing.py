"""What a marketplace e-mail says: its kind and its fields, found by their labels.

Parsers are label-driven and tolerant (DESIGN.md "Intake"): a field is a label at the start of
a line followed by ``:`` or a table cell, in any order, among any number of other lines; never
a line number. Each marketplace has its own label vocabulary (``VOCABULARY``) and its own
booking-id patterns; everything else is shared. What is not found stays out of ``fields`` —
``intake/services.py`` decides whether that is enough to act on or a person must look.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

from bookings.models import CharterSource, Vessel
from intake.email_text import MessageText
from intake.models import IntakeSource, VesselListing

REQUEST, CONFIRMATION, CHANGE, CANCELLATION = "request", "confirmation", "change", "cancellation"
KIND_NAMES = (REQUEST, CONFIRMATION, CHANGE, CANCELLATION)
KIND_PATTERNS = [  # first match wins: a cancellation mail may also say "confirmed booking"
    (CANCELLATION, re.compile(r"\bcancel+ed\b|\bcancellation\b", re.I)),
    (
        CHANGE,
        re.compile(
            r"\bmodified\b|\bchanged (?:their|the|your) booking\b|\bbooking (?:was|has been) (?:updated|changed)\b|\bchange request\b",
            re.I,
        ),
    ),
    (REQUEST, re.compile(r"\bbooking request\b|\bnew request\b|\binquiry\b|\brequest to book\b", re.I)),
    (CONFIRMATION, re.compile(r"\bconfirmed\b|\bis booked\b|\baccepted\b", re.I)),
]

# Label alternatives per field (regex fragments, case-insensitive); shared by every marketplace.
LABELS: dict[str, list[str]] = {
    "booking_ref": [r"booking(?: number| id| no\.?)?", r"reservation(?: number| id)?", r"confirmation number"],
    "listing": [r"boat", r"boat name", r"listing", r"listing title", r"vessel", r"yacht"],
    "guest_name": [r"renter", r"renter name", r"guest", r"guest name", r"customer", r"booked by"],
    "guest_phone": [r"renter phone", r"guest phone", r"phone", r"phone number", r"mobile"],
    "guest_email": [r"renter e-?mail", r"guest e-?mail", r"e-?mail"],
    "date": [r"trip date", r"date", r"charter date"],
    "start_time": [r"departure time", r"start time", r"pick-?up time"],
    "end_time": [r"return time", r"end time", r"drop-?off time"],
    "start": [r"depart(?:s|ure)?", r"start(?:s)?", r"check-?in"],
    "end": [r"return(?:s)?", r"end(?:s)?", r"check-?out"],
    "duration": [r"duration", r"length"],
    "party_size": [r"passengers", r"group size", r"guests", r"party size", r"number of (?:guests|passengers)"],
    "meeting_point": [r"departure location", r"meeting point", r"pick-?up location", r"location", r"marina"],
    "captain": [r"captain", r"skipper"],
    "total": [r"booking total", r"trip total", r"total", r"total price"],
    "fee": [r"[\w ]{0,30}service fee", r"[\w ]{0,30}commission", r"platform fee"],
    "payout": [r"your (?:estimated )?earnings", r"(?:estimated )?payout", r"earnings", r"you earn"],
    "guest_message": [r"message from [^:\t\n]{1,60}", r"renter note", r"note from [^:\t\n]{1,60}", r"special requests"],
}
BOOKING_ID_PATTERNS = {
    CharterSource.BOATSETTER: [r"booking\s*#\s*(\d{5,})", r"boatsetter\.com/bookings/(\d{5,})"],
    CharterSource.GETMYBOAT: [r"getmyboat\.com/inbox/(\d{5,})", r"booking\s*#\s*(\d{5,})"],
}
GENERIC_BOOKING_ID = [r"(?:booking|reservation)\s*(?:#|number|id|no\.?)\s*:?\s*#?\s*([A-Z0-9-]{5,})"]
MONEY = re.compile(r"-?\s*\$\s*([\d,]+(?:\.\d{1,2})?)|([\d,]+\.\d{2})")
PHONE = re.compile(r"\+?\d[\d ().-]{8,}\d")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CANCEL_PAYOUT = re.compile(r"you will (?:receive|be paid|get)\s*\$\s*([\d,]+(?:\.\d{1,2})?)", re.I)


@dataclass
class Parsed:
    """The parser's findings: ``kind`` None means "not a booking message"."""

    kind: str | None
    fields: dict[str, Any] = field(default_factory=dict)


def _label_value(text: str, names: list[str]) -> str | None:
    for name in names:
        pattern = re.compile(rf"^[ \t]*(?:{name})[ \t]*(?::[ \t]*|\t[ \t]*)(\S.*?)[ \t]*$", re.I | re.M)
        found = pattern.search(text)
        if found:
            return found.group(1).strip()
    return None


def _block_after(text: str, names: list[str]) -> str | None:
    """A label whose value may run on the following lines (a guest's message), up to a blank line."""
    for name in names:
        pattern = re.compile(rf"^[ \t]*(?:{name})[ \t]*:[ \t]*(.*)$", re.I | re.M)
        found = pattern.search(text)
        if not found:
            continue
        lines = [found.group(1).strip()]
        for line in text[found.end() :].split("\n")[1:]:
            if not line.strip():
                break
            lines.append(line.strip())
        value = " ".join(v for v in lines if v).strip().strip('"').strip()
        if value:
            return value
    return None


def money(value: str | None) -> Decimal | None:
    if not value:
        return None
    found = MONEY.search(value)
    if not found:
        return None
    try:
        return Decimal((found.group(1) or found.group(2)).replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _when(value: str, zone: ZoneInfo) -> datetime | None:
    cleaned = re.sub(r"\((?:[^)]*)\)", " ", value)
    cleaned = re.sub(r"\b(?:[ECMP][SD]?T|UTC|GMT)\b", " ", cleaned).strip(" ,")
    try:
        naive = dateparser.parse(cleaned, fuzzy=True)
    except (ValueError, OverflowError):
        return None
    return naive.replace(tzinfo=zone) if naive.tzinfo is None else naive.astimezone(zone)


def _duration(value: str | None) -> timedelta | None:
    if not value:
        return None
    hours = re.search(r"(\d+(?:\.\d+)?)\s*(?:h|hour)", value, re.I)
    minutes = re.search(r"(\d+)\s*(?:m|min)", value, re.I)
    total = timedelta(hours=float(hours.group(1)) if hours else 0, minutes=int(minutes.group(1)) if minutes else 0)
    return total or None


def kind_of(message: MessageText) -> str | None:
    """The subject decides when it can (a footer's "free cancellation" must not cancel a booking)."""
    for haystack in (message.subject, message.text[:3000]):
        for kind, pattern in KIND_PATTERNS:
            if pattern.search(haystack):
                return kind
    return None


def booking_id_of(source: IntakeSource, message: MessageText) -> str | None:
    haystack = f"{message.subject}\n{message.text}"
    for pattern in BOOKING_ID_PATTERNS.get(source.kind, []) + GENERIC_BOOKING_ID:  # type: ignore[call-overload]
        found = re.search(pattern, haystack, re.I)
        if found:
            return found.group(1).upper()
    value = _label_value(message.text, LABELS["booking_ref"])
    if value and re.fullmatch(r"#?\s*[A-Za-z0-9-]{5,}", value):
        return value.lstrip("#").strip().upper()
    return None


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().strip("\"'").lower())


LISTINGS_TTL_SECONDS = 30.0
_listings_cache: dict[int, tuple[float, list[VesselListing]]] = {}


def _listings(source: IntakeSource) -> list[VesselListing]:
    """A source's listings, re-read at most every 30 s (a renamed listing is seen within that)."""
    now = time.monotonic()
    cached = _listings_cache.get(source.pk)
    if cached is None or now - cached[0] > LISTINGS_TTL_SECONDS or not cached[1]:
        cached = (now, list(VesselListing.objects.select_related("vessel").filter(source=source)))
        _listings_cache[source.pk] = cached
    return cached[1]


def listings_forget() -> None:
    _listings_cache.clear()


def vessel_of(source: IntakeSource, listing: str | None, text: str) -> Vessel | None:
    """By the listing's title or an alias staff gave it; with no listing label, a full listing title in the text.

    An unknown title is never guessed from the rest of the text ("Hi Sail JADA," is not the boat).
    """
    listings = _listings(source)
    if listing:
        wanted = _norm(listing)
        for item in listings:
            if wanted in {_norm(n) for n in item.names}:
                return item.vessel
        return Vessel.objects.filter(name__iexact=wanted).first()
    lowered = _norm(text)
    for item in sorted(listings, key=lambda i: -len(i.name)):
        if _norm(item.name) in lowered:
            return item.vessel
    return None


def _times(fields: dict[str, Any], text: str, zone: ZoneInfo) -> None:
    date = _label_value(text, LABELS["date"])
    start_time, end_time = _label_value(text, LABELS["start_time"]), _label_value(text, LABELS["end_time"])
    start_value, end_value = _label_value(text, LABELS["start"]), _label_value(text, LABELS["end"])
    starts = _when(f"{date} {start_time}", zone) if date and start_time else None
    starts = starts or (_when(start_value, zone) if start_value else None)
    ends = _when(f"{date} {end_time}", zone) if date and end_time else None
    if ends is None and end_value:
        ends = _when(end_value, zone)
        if ends and starts and not re.search(r"\d{4}", end_value):  # a bare time: same day as the start
            ends = starts.replace(hour=ends.hour, minute=ends.minute)
    duration = _duration(_label_value(text, LABELS["duration"]))
    if ends is None and starts and duration:
        ends = starts + duration
    if starts and ends and ends <= starts:
        ends += timedelta(days=1)  # a trip returning after midnight
    if starts:
        fields["starts_at"] = starts.isoformat()
    if ends:
        fields["ends_at"] = ends.isoformat()


def _guest(fields: dict[str, Any], text: str) -> None:
    name = _label_value(text, LABELS["guest_name"])
    if name:
        phone = PHONE.search(name)
        email = EMAIL.search(name)
        bare = re.split(r"\s*(?:·|\||,| - | – )\s*", name)[0].strip()
        if bare and not PHONE.fullmatch(bare) and not EMAIL.fullmatch(bare):
            fields["guest_name"] = bare[:200]
        if phone:
            fields.setdefault("guest_phone", phone.group(0).strip())
        if email:
            fields.setdefault("guest_email", email.group(0))
    phone_value = _label_value(text, LABELS["guest_phone"])
    if phone_value and PHONE.search(phone_value):
        fields["guest_phone"] = PHONE.search(phone_value).group(0).strip()  # type: ignore[union-attr]
    email_value = _label_value(text, LABELS["guest_email"])
    if email_value and EMAIL.search(email_value):
        fields["guest_email"] = EMAIL.search(email_value).group(0)  # type: ignore[union-attr]
    party = _label_value(text, LABELS["party_size"])
    digits = re.search(r"\d+", party or "")
    if digits:
        fields["party_size"] = int(digits.group(0))


def message_parse(*, source: IntakeSource, message: MessageText) -> Parsed:
    """The kind and fields of one marketplace message (see the module docstring)."""
    kind = kind_of(message)
    booking_id = booking_id_of(source, message)
    if kind is None or booking_id is None:
        return Parsed(kind=None, fields={"booking_id": booking_id} if booking_id else {})
    text, zone = message.text, source.brand.zone
    fields: dict[str, Any] = {"booking_id": booking_id}
    listing = _label_value(text, LABELS["listing"])
    if listing:
        fields["listing"] = listing.strip("\"'")[:200]
    vessel = vessel_of(source, listing, f"{message.subject}\n{text}")
    if vessel:
        fields["vessel"] = vessel.name
    _times(fields, text, zone)
    _guest(fields, text)
    for name in ("meeting_point", "captain"):
        value = _label_value(text, LABELS[name])
        if value:
            fields[name] = value[:300]
    note = _block_after(text, LABELS["guest_message"])
    if note:
        fields["guest_message"] = note[:2000]
    for name in ("total", "fee", "payout"):
        amount = money(_label_value(text, LABELS[name]))
        if amount is not None:
            fields[name] = str(amount)
    if kind == CANCELLATION:
        refund = CANCEL_PAYOUT.search(text)
        if refund:
            fields["payout"] = str(money("$" + refund.group(1)))
    return Parsed(kind=kind, fields=fields)
