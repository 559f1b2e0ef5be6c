"""Baselines of the ``tables`` benchmark: each page's unavoidable queries in a bare Django view.

Each view runs, through the ORM, only the SQL its product page cannot do without — the rows it
shows and the counts it prints — and writes one plain line per row: no session, no sign-in, no
admin machinery, no template. Served only by the bench URL conf (bench/urls.py).
"""

from __future__ import annotations

import calendar
import json
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from bookings.admin_views import charters_between
from bookings.models import Charter, InternalCalendarEvent
from bookings.targets import TARGET_MODELS, out_of_date_q
from crew.models import CrewAssignment

PAGE = 100
ROWS = ("brand", "vessel", "guest_page", "calendar_entry", "crew_event")


def _lines(count: int, charters: list[Charter]) -> HttpResponse:
    lines = [f"{count} charters"]
    for c in charters:
        states = [getattr(getattr(c, kind, None), "sync_state", "none") for kind in ROWS[2:]]
        lines.append(f"{c.code} {c.guest_name} {c.starts_at:%Y-%m-%d %H:%M} {c.brand.name} {c.vessel.name} {states}")
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def _page(charters: QuerySet[Charter]) -> HttpResponse:
    return _lines(charters.count(), list(charters.select_related(*ROWS).order_by("-starts_at", "-pk")[:PAGE]))


def changelist_bare(request: HttpRequest) -> HttpResponse:
    """The first page of charters (newest first) and how many there are; ``?q=`` and
    ``?targets=out_of_date`` narrow it exactly as the admin's search and filter do."""
    charters = Charter.objects.all()
    term = request.GET.get("q", "")
    if term:
        fields = ("code", "guest_name", "guest_email", "marketplace_booking_id")
        either = Q()
        for name in fields:
            either |= Q(**{f"{name}__icontains": term})
        charters = charters.filter(either)
    if request.GET.get("targets") == "out_of_date":
        either = Q()
        for model in TARGET_MODELS.values():
            rows: Any = model._default_manager
            either |= Q(pk__in=rows.filter(out_of_date_q()).values("charter_id"))
        charters = charters.filter(either)
    return _page(charters)


def change_bare(request: HttpRequest, pk: int) -> HttpResponse:
    """One charter with its targets and its crew."""
    charter = get_object_or_404(Charter.objects.select_related(*ROWS), pk=pk)
    crew = CrewAssignment.objects.filter(charter=charter).select_related("crew_member")
    response = _lines(1, [charter])
    response.write("\n" + "\n".join(f"{a.role} {a.crew_member.name} {a.crew_member.email}" for a in crew))
    return response


def calendar_month_bare(request: HttpRequest) -> HttpResponse:
    """The charters departing in the weeks a month grid shows."""
    first = date.fromisoformat(request.GET["date"]).replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    start, end = first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())
    charters = list(charters_between(start, end))
    return _lines(len(charters), charters)


def index_bare(request: HttpRequest) -> HttpResponse:
    """Today's and tomorrow's charters, and per target the failed, out-of-date and stuck counts."""
    from bookings.today import STUCK_AFTER

    today = date.fromisoformat(request.GET["date"])
    charters = list(charters_between(today, today + timedelta(days=1)).order_by("vessel__name", "starts_at"))
    response = _lines(len(charters), charters)
    stuck_before = timezone.now() - STUCK_AFTER
    for model in TARGET_MODELS.values():
        rows = model._default_manager
        counts = (
            rows.filter(sync_state="failed").count(),
            rows.filter(out_of_date_q()).count(),
            rows.filter(sync_state__in=["pending", "syncing"], updated_at__lt=stuck_before).count(),
        )
        response.write(f"\n{model.__name__} {counts}")
    return response


def calendar_api_bare(request: HttpRequest) -> HttpResponse:
    """The calendar API's range read: the entries dated in [from, to], as JSON."""
    entries = InternalCalendarEvent.objects.filter(date__gte=request.GET["from"], date__lte=request.GET["to"])
    body = json.dumps({"entries": list(entries.values())}, default=str)
    return HttpResponse(body, content_type="application/json")
