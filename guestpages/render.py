"""Rendering a charter's guest page from an explicit allow-list of fields.

The rule it keeps: the template never sees the ``Charter`` object. ``guest_page_context`` copies
the fields a guest may see into a plain dict, so a new financial column or ``internal_notes`` can
never reach a published page by a template typo; Django's autoescaping then escapes every value
that came from a guest or a marketplace.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_urlconf, reverse
from django.utils import timezone

from guestpages.window import photo_window
from jada.aws import aws_client

if TYPE_CHECKING:
    from bookings.models import Charter

PHOTO_MAX_BYTES = 25 * 1024 * 1024
PHOTO_CONTENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/heic": "heic", "image/webp": "webp"}
WHAT_TO_BRING = [
    "Sunscreen, sunglasses and a hat",
    "A warm layer or light jacket — it is cooler on the water",
    "Soft-soled, non-marking shoes",
    "Your phone or camera for photos",
]


def _day(value: datetime) -> str:
    return _day_label(value.date())


# Pure functions of a date and of a clock time, asked for several times per page and for every
# live charter by the drift report (which fingerprints each page): strftime is most of their cost.
@functools.lru_cache(maxsize=4096)
def _day_label(value: date) -> str:
    return f"{value:%A, %B} {value.day}, {value.year}"


def _time(value: datetime) -> str:
    return _clock_label(value.hour, value.minute)


@functools.lru_cache(maxsize=24 * 60)
def _clock_label(hour: int, minute: int) -> str:
    return f"{time(hour, minute):%I:%M %p}".lstrip("0")


def _zone(value: datetime) -> str:
    return value.tzname() or ""  # what ``%Z`` prints, without a strftime


@functools.lru_cache(maxsize=1024)
def _map_url(meeting_point: str) -> str:
    return f"https://www.google.com/maps/search/?api=1&query={quote_plus(meeting_point)}" if meeting_point else ""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _api_urls(code: str) -> dict[str, str]:
    base = str(settings.PUBLIC_API_URL or settings.SITE_URL).rstrip("/")
    urlconf = get_urlconf(settings.ROOT_URLCONF)
    quoted = quote(code, safe="")
    return {name: base + _api_path(name, urlconf).format(code=quoted) for name in ("upload", "confirm")}


@functools.lru_cache(maxsize=8)
def _api_path(name: str, urlconf: str) -> str:
    """The route with ``{code}`` left to fill: ``reverse`` walks the resolver (~0.5 ms), and the
    drift report fingerprints every live charter's page; only the code differs between them."""
    marker = "CODEMARKER"
    route = {"upload": "api:photo-upload", "confirm": "api:photo-uploaded"}[name]
    return (
        reverse(route, args=[marker], urlconf=urlconf).replace("{", "{{").replace("}", "}}").replace(marker, "{code}")
    )


def guest_page_context(
    charter: Charter, *, now: datetime | None = None, content: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The only data the guest template gets (see module docstring). ``content``: the charter's
    ``guest_page_content`` when the caller already built it (for the page's fingerprint)."""
    context = dict(content) if content is not None else guest_page_content(charter, now=now)
    s3_origin = _origin(aws_client("s3", region=charter.brand.region).meta.endpoint_url)
    upload = _origin(context["page_data"]["uploadUrl"])
    context["csp_connect"] = " ".join(dict.fromkeys([upload, s3_origin, "https://*.amazonaws.com"]))
    return context


def guest_page_content(charter: Charter, *, now: datetime | None = None) -> dict[str, Any]:
    """What the page shows of the charter: its context less ``csp_connect``, which depends on
    where the page is served from, not on the charter (the page's fingerprint is built from this)."""
    brand = charter.brand
    zone = brand.zone
    starts, ends = timezone.localtime(charter.starts_at, zone), timezone.localtime(charter.ends_at, zone)
    window = photo_window(charter, now=now)
    opens, closes = timezone.localtime(window.opens_at, zone), timezone.localtime(window.closes_at, zone)
    api = _api_urls(charter.code)
    ends_day = "" if ends.date() == starts.date() else f"{_day(ends)} "
    return {
        "code": charter.code,
        "guest_name": charter.guest_name,
        "party_size": charter.party_size,
        "vessel": charter.vessel.name,
        "date_label": _day(starts),
        "time_label": f"{_time(starts)} – {ends_day}{_time(ends)} {_zone(starts)}",
        "time_zone": brand.time_zone,
        "meeting_point": charter.meeting_point,
        "map_url": _map_url(charter.meeting_point),
        "what_to_bring": WHAT_TO_BRING,
        "guest_notes": charter.guest_notes,
        "cancelled": charter.status == "cancelled",
        "brand": {
            "name": brand.name,
            "domain": brand.domain,
            "contact_line": brand.contact_line,
            "primary_color": brand.theme_primary_color,
            "accent_color": brand.theme_accent_color,
            "logo_url": brand.theme_logo_url,
        },
        "window": {
            "opens_label": f"{_day(opens)} at {_time(opens)} {_zone(opens)}",
            "closes_label": f"{_day(closes)} at {_time(closes)} {_zone(closes)}",
        },
        # Read by the page's script: the browser decides "opens at / upload / closed" itself.
        "page_data": {
            "code": charter.code,
            "opensAt": window.opens_at.isoformat(),
            "timeZone": brand.time_zone,
            "closesAt": window.closes_at.isoformat(),
            "cancelled": charter.status == "cancelled",
            "uploadUrl": api["upload"],
            "confirmUrl": api["confirm"],
            "maxBytes": PHOTO_MAX_BYTES,
            "types": PHOTO_CONTENT_TYPES,
        },
    }


def guest_page_render(charter: Charter, *, content: dict[str, Any] | None = None) -> str:
    return render_to_string("guestpages/guest_page.html", guest_page_context(charter, content=content))


def guest_page_cancelled_render(charter: Charter) -> str:
    """The short page that replaces a withdrawn charter's page: no trip details, only the contact line."""
    brand = charter.brand
    context = {
        "code": charter.code,
        "brand": {
            "name": brand.name,
            "domain": brand.domain,
            "contact_line": brand.contact_line,
            "primary_color": brand.theme_primary_color,
            "accent_color": brand.theme_accent_color,
        },
    }
    return render_to_string("guestpages/cancelled.html", context)
