"""Admin pages around the booking flow: the company calendar, its iCalendar feed, flow progress.

The calendar shows *every* charter (any status), coloured by brand and by the worst state of
its three targets, so staff see at a glance what is booked and what is not live yet. The feed
is for calendar apps, which cannot sign in: its URL carries a signed token naming one staff
user, and stops working when that user loses staff status or changes password.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe
from icalendar import Calendar, Event

from bookings.conflicts import open_conflict_charter_ids
from bookings.models import Brand, Charter, CharterStatus
from bookings.payloads import TARGET_KINDS
from bookings.targets import OUT_OF_DATE, STATUS_LABELS, target_status
from jada.models import SyncState

FEED_SALT = "bookings.calendar-feed"
STATE_ORDER = [SyncState.FAILED, OUT_OF_DATE, SyncState.SYNCING, SyncState.PENDING, SyncState.SYNCED]
STATE_COLOURS = {
    "failed": "#b00020",
    "out_of_date": "#c2410c",
    "syncing": "#1f5fa8",
    "pending": "#8a6d00",
    "synced": "#1b7f3b",
    "none": "#888",
}
FEED_WINDOW = (timedelta(days=60), timedelta(days=400))


def charters_between(start: date, end: date) -> QuerySet[Charter]:
    """Charters departing on local days ``start``..``end`` inclusive, with everything a cell shows."""
    zone = timezone.get_current_timezone()
    lower = datetime.combine(start, time.min, tzinfo=zone)
    upper = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    return (
        Charter.objects.filter(starts_at__gte=lower, starts_at__lt=upper)
        .select_related("brand", "vessel", "guest_page", "calendar_entry", "crew_event")
        .order_by("starts_at")
    )


def targets_state(charter: Charter) -> str:
    """The worst state of the charter's three targets ("none" before the flow ever ran)."""
    states = {target_status(getattr(charter, name, None)) for name in ("guest_page", "calendar_entry", "crew_event")}
    for state in STATE_ORDER:
        if state in states:
            return str(state)
    return "none"


@dataclass
class Day:
    day: date
    in_range: bool
    charters: list[Charter] = field(default_factory=list)
    chips: list[SafeString] = field(default_factory=list)

    @property
    def chips_html(self) -> SafeString:
        return mark_safe("\n".join(self.chips))  # noqa: S308 - each chip is built by format_html


_PK = "0000"  # stands for the primary key in the change URL reversed once per page
_CONFLICT = '<strong class="jada-conflict">conflict</strong> '


class CalendarChips:
    """Each charter's chip in the grid, built in Python (about 1,000 a month) rather than by a template
    loop: the change URL is reversed once, and what a brand, a vessel or a status shows is escaped
    once per page, not once per chip (the same markup calendar.html drew; a test compares them)."""

    def __init__(self) -> None:
        self.change_url = reverse("admin:bookings_charter_change", args=[_PK])
        self.zone = timezone.get_current_timezone()
        self.status_words = {value: escape(label) for value, label in CharterStatus.choices}
        self._brands: dict[int, tuple[str, str, str]] = {}
        self._vessels: dict[int, str] = {}

    def day(self, charter: Charter) -> date:
        return charter.starts_at.astimezone(self.zone).date()

    def __call__(self, charter: Any) -> SafeString:
        brand = self._brands.get(charter.brand_id)
        if brand is None:
            b = charter.brand
            brand = self._brands[charter.brand_id] = (escape(b.slug), escape(b.theme_primary_color), escape(b.name))
        vessel = self._vessels.get(charter.vessel_id)
        if vessel is None:
            vessel = self._vessels[charter.vessel_id] = escape(charter.vessel.name)
        slug, colour, brand_name = brand
        status, code, state = escape(charter.status), escape(charter.code), escape(charter.targets_state)
        conflict = charter.in_conflict
        url = escape(self.change_url.replace(f"/{_PK}/", f"/{charter.pk}/", 1))
        words = self.status_words.get(charter.status) or escape(charter.get_status_display())
        return mark_safe(  # noqa: S308 - every value above is escaped
            f'<span class="jada-chip {status}" data-code="{code}" data-state="{state}" data-brand="{slug}" '
            f'style="background: {colour}; border-left-color: {escape(charter.state_colour)}'
            f'{"; outline: 2px solid #b00020" if conflict else ""}" '
            f'title="{brand_name} · {words} · targets {state}{" · in conflict" if conflict else ""}">'
            f"{_CONFLICT if conflict else ''}"
            f'<a href="{url}">{charter.starts_at.astimezone(self.zone):%H:%M} {code} {vessel} · '
            f"{escape(charter.guest_name)} ({escape(str(charter.party_size))})</a></span>"
        )


def calendar_context(request: HttpRequest) -> dict[str, Any]:
    """Grid, navigation and legend for ``?view=month|week&date=YYYY-MM-DD``."""
    mode = "week" if request.GET.get("view") == "week" else "month"
    try:
        anchor = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        anchor = timezone.localdate()
    if mode == "month":
        first = anchor.replace(day=1)
        last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
        start = first - timedelta(days=first.weekday())
        end = last + timedelta(days=6 - last.weekday())
        previous, following = (first - timedelta(days=1)).replace(day=1), last + timedelta(days=1)
        title = first.strftime("%B %Y")
    else:
        start = anchor - timedelta(days=anchor.weekday())
        end = start + timedelta(days=6)
        first, last = start, end
        previous, following = start - timedelta(days=7), start + timedelta(days=7)
        title = f"Week of {start:%d %B %Y}"
    days = {start + timedelta(days=i): Day(start + timedelta(days=i), first <= start + timedelta(days=i) <= last)
            for i in range((end - start).days + 1)}  # fmt: skip
    conflicted = open_conflict_charter_ids()
    chip = CalendarChips()
    for charter in charters_between(start, end):
        charter.in_conflict = charter.pk in conflicted  # type: ignore[attr-defined]
        charter.targets_state = targets_state(charter)  # type: ignore[attr-defined]
        charter.state_colour = STATE_COLOURS[charter.targets_state]  # type: ignore[attr-defined]
        cell = days[chip.day(charter)]
        cell.charters.append(charter)
        cell.chips.append(chip(charter))
    ordered = list(days.values())
    return {
        "mode": mode,
        "title": title,
        "weeks": [ordered[i : i + 7] for i in range(0, len(ordered), 7)],
        "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "previous": previous.isoformat(),
        "following": following.isoformat(),
        "anchor": anchor.isoformat(),
        "today": timezone.localdate(),
        "brands": Brand.objects.order_by("name"),
        "state_colours": STATE_COLOURS,
        "feed_url": request.build_absolute_uri(reverse("admin:bookings_charter_calendar_feed"))
        + f"?token={feed_token(request.user)}",
    }


# --- iCalendar feed ---------------------------------------------------------------------------


def _feed_secret(user: Any) -> str:
    # Tied to the password hash, so changing the password revokes every feed URL of that user.
    return salted_hmac(FEED_SALT, f"{user.pk}:{user.password}").hexdigest()[:16]


def feed_token(user: Any) -> str:
    return signing.dumps({"u": user.pk, "h": _feed_secret(user)}, salt=FEED_SALT)


def feed_user(token: str) -> Any:
    """The staff user a feed token names, or None if the token is bad or the user no longer may see it."""
    try:
        data = signing.loads(token[:500], salt=FEED_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = get_user_model().objects.filter(pk=data["u"], is_active=True, is_staff=True).first()
    if user is None or data.get("h") != _feed_secret(user) or not user.has_perm("bookings.view_charter"):
        return None
    return user


def calendar_feed(request: HttpRequest) -> HttpResponse:
    """``text/calendar`` of every charter from two months ago to a year ahead (no money, ever)."""
    user = request.user if request.user.is_active and request.user.is_staff else None
    if user is None or not user.has_perm("bookings.view_charter"):
        user = feed_user(request.GET.get("token", ""))
    if user is None:
        return HttpResponse("A valid feed token is required.", status=403, content_type="text/plain")
    today = timezone.localdate()
    cal = Calendar()
    cal.add("prodid", "-//JADA Ops//Company calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "JADA company calendar")
    for charter in charters_between(today - FEED_WINDOW[0], today + FEED_WINDOW[1]):
        event = Event()
        event.add("uid", f"{charter.code}@jada-ops")
        event.add("summary", f"{charter.code} {charter.vessel.name} · {charter.guest_name} ({charter.party_size})")
        event.add("dtstart", charter.starts_at)
        event.add("dtend", charter.ends_at)
        event.add("dtstamp", charter.updated_at)
        event.add("location", charter.meeting_point)
        event.add("status", "CANCELLED" if charter.status == CharterStatus.CANCELLED else "CONFIRMED")
        event.add(
            "description",
            f"Brand: {charter.brand.name}\nStatus: {charter.get_status_display()}\n"
            f"Targets: {targets_state(charter)}\n{settings.SITE_URL}"
            f"{reverse('admin:bookings_charter_change', args=[charter.pk])}",
        )
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="jada-company-calendar.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- progress of many confirmations ------------------------------------------------------------


def progress_context(ids: list[int]) -> dict[str, Any]:
    charters = list(
        Charter.objects.filter(pk__in=ids[:500])
        .select_related("brand", "guest_page", "calendar_entry", "crew_event")
        .order_by("starts_at")
    )
    states = [targets_state(c) for c in charters]
    done = sum(1 for s in states if s in ("synced", "failed"))
    rows = [
        (c, [STATUS_LABELS[target_status(getattr(c, kind, None))] for kind in TARGET_KINDS], STATUS_LABELS[state])
        for c, state in zip(charters, states, strict=True)
    ]
    return {
        "charters": rows,
        "done": done,
        "total": len(charters),
        "finished": done == len(charters),
        "percent": int(100 * done / len(charters)) if charters else 100,
    }
