"""The charter pages' hand-built HTML (changelist rows, calendar chips) equals what Django renders."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.contrib.admin.views.main import ChangeList
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone

from bookings import admin_rows, today
from bookings.admin_rows import CharterChangeList
from bookings.admin_views import STATE_COLOURS, CalendarChips
from bookings.models import (
    CalendarEntry,
    Charter,
    CharterConflict,
    CharterSource,
    CharterStatus,
    ConflictKind,
)
from bookings.tests.factories import BrandFactory, CharterFactory, VesselFactory

pytestmark = pytest.mark.django_db

# The chip as calendar.html drew it, one template loop per charter, before CalendarChips.
OLD_CHIP = """<span class="jada-chip {{ charter.status }}" data-code="{{ charter.code }}" data-state="{{ charter.targets_state }}" data-brand="{{ charter.brand.slug }}"
  style="background: {{ charter.brand.theme_primary_color }}; border-left-color: {{ charter.state_colour }}{% if charter.in_conflict %}; outline: 2px solid #b00020{% endif %}"
  title="{{ charter.brand.name }} · {{ charter.get_status_display }} · targets {{ charter.targets_state }}{% if charter.in_conflict %} · in conflict{% endif %}">{% if charter.in_conflict %}<strong class="jada-conflict">conflict</strong> {% endif %}
  <a href="{% url 'admin:bookings_charter_change' charter.pk %}">{{ charter.starts_at|time:"H:i" }} {{ charter.code }} {{ charter.vessel.name }} · {{ charter.guest_name }} ({{ charter.party_size }})</a>
</span>"""


def _squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def _charter(**extra: Any) -> Charter:
    brand = BrandFactory(name="Sea & <Sky>", theme_primary_color="#123456")
    start = timezone.now().replace(hour=18, minute=5, second=0, microsecond=0)
    return CharterFactory(
        brand=brand, guest_name='Ann "O\'Brien" <b>', starts_at=start, ends_at=start + timedelta(hours=2)
    )


@pytest.mark.parametrize("in_conflict", [False, True])
def test_calendar_chip_equals_the_template_it_replaced(in_conflict: bool) -> None:
    charter: Any = _charter()
    charter.in_conflict, charter.targets_state = in_conflict, "out_of_date"
    charter.state_colour = STATE_COLOURS["out_of_date"]
    old = Template(OLD_CHIP).render(Context({"charter": charter}))
    new = CalendarChips()(charter)
    assert _squeeze(new) == _squeeze(old)
    assert "&lt;b&gt;" in new and "Sea &amp; &lt;Sky&gt;" in new


def test_calendar_page_shows_each_chip(admin_client: Client) -> None:
    charter = _charter()
    month = admin_client.get(reverse("admin:bookings_charter_calendar")).content.decode()
    assert month.count('class="jada-chip') == 1
    assert reverse("admin:bookings_charter_change", args=[charter.pk]) in month


def test_changelist_checkbox_and_row_link_equal_djangos(admin_user: Any) -> None:
    charter = _charter()
    model_admin = admin.site._registry[Charter]
    assert model_admin.action_checkbox(charter) == admin.ModelAdmin.action_checkbox(model_admin, charter)
    request = RequestFactory().get("/admin/bookings/charter/")
    request.user = admin_user
    changelist = model_admin.get_changelist_instance(request)
    assert isinstance(changelist, CharterChangeList)
    for row in (charter, _charter()):
        assert changelist.url_for_result(row) == ChangeList.url_for_result(changelist, row)


def test_changelist_rows_link_and_select_each_charter(admin_client: Client) -> None:
    charters = [_charter(), _charter()]
    html = admin_client.get(reverse("admin:bookings_charter_changelist")).content.decode()
    for charter in charters:
        assert f'name="_selected_action" value="{charter.pk}" class="action-select"' in html
        assert f'href="{reverse("admin:bookings_charter_change", args=[charter.pk])}"' in html


def _django_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the charter changelist draw its rows with Django's own ``items_for_result``."""
    monkeypatch.setattr(admin_rows, "column_plans", lambda cl: None)


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.fixture
def varied_charters() -> list[Charter]:
    """Rows that take every branch a cell has: HTML in text, an empty optional value, other choices,
    an open conflict, targets in several states, times that repeat and differ."""
    first = _charter()
    second = CharterFactory(
        brand=BrandFactory(name="Blue & Co"),
        vessel=VesselFactory(name="<Orca>"),
        guest_name="  ",
        marketplace_booking_id="",
        status=CharterStatus.CONFIRMED,
        source=CharterSource.DIRECT,
        party_size=1234,
        starts_at=first.starts_at,
        ends_at=first.ends_at,
    )
    third = CharterFactory(status=CharterStatus.CANCELLED)
    CharterConflict.objects.create(charter=first, other=second, kind=ConflictKind.VESSEL, detail="same boat")
    CalendarEntry.objects.create(charter=second, sync_state="failed", attempts=3)
    CalendarEntry.objects.create(charter=third, sync_state="synced")
    return [first, second, third]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?q=Brien",
        "?status__exact=confirmed&targets=failed",
        "?o=-3.1",
        "?_popup=1&_to_field=id",
        "?brand__id__exact=0",  # no row: Django's "0 charters" page
    ],
)
def test_changelist_page_equals_djangos_rows(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, varied_charters: list[Charter], query: str
) -> None:
    """The whole page, byte for byte (but the CSRF token), as when Django draws every cell."""
    url = reverse("admin:bookings_charter_changelist") + query
    ours = admin_client.get(url).content.decode()
    _django_rows(monkeypatch)
    djangos = admin_client.get(url).content.decode()
    assert _without_tokens(ours) == _without_tokens(djangos)
    if not query.startswith("?brand"):
        assert 'id="result_list"' in ours


def test_changelist_cells_equal_djangos_for_every_row(admin_user: Any, varied_charters: list[Charter]) -> None:
    """Cell by cell, with the filters kept in each row's link (the link is built once per page)."""
    request = RequestFactory().get("/admin/bookings/charter/", {"q": "a", "status__exact": "confirmed"})
    request.user, request.resolver_match = admin_user, resolve("/admin/bookings/charter/")
    model_admin = admin.site._registry[Charter]
    changelist = model_admin.get_changelist_instance(request)
    assert isinstance(changelist, CharterChangeList)
    changelist.formset = None
    plans = admin_rows.column_plans(changelist)
    assert plans is not None and [p.name for p in plans][:2] == ["action_checkbox", "code"]
    rows = list(model_admin.get_queryset(request).order_by("pk"))
    for row in rows:
        assert "".join(changelist.cells(plans, row)) == "".join(items_for_result(changelist, row, None))
    assert "_changelist_filters=q%3Da%26status__exact%3Dconfirmed" in "".join(changelist.cells(plans, rows[0]))


def test_changelist_leaves_list_editable_and_odd_columns_to_django(admin_user: Any) -> None:
    request = RequestFactory().get("/admin/bookings/charter/")
    request.user = admin_user
    changelist = admin.site._registry[Charter].get_changelist_instance(request)
    changelist.formset = None
    assert admin_rows.column_plans(changelist) is not None
    changelist.list_display = [*changelist.list_display, "__str__"]
    assert admin_rows.column_plans(changelist) is None
    changelist.list_display = changelist.list_display[:-1]
    changelist.formset = object()  # type: ignore[assignment]  # a list_editable page: Django draws the forms
    assert admin_rows.column_plans(changelist) is None


# One line of the front page's day table as templates/admin/index.html drew it, before CharterLine.row.
OLD_LINE = """{% for line in lines %}
            <tr>
              <td><a href="{{ line.url }}">{{ line.charter.code }}</a></td>
              <td>{{ line.starts }}–{{ line.ends }} <span class="jada-zone">{{ line.zone }}</span></td>
              <td>{{ line.charter.guest_name }} · {{ line.charter.party_size }} guests</td>
              <td>{{ line.charter.get_status_display }}</td>
              <td>{{ line.badges }}</td>
            </tr>
          {% endfor %}"""


def test_front_page_line_equals_the_template_it_replaced() -> None:
    _charter()  # HTML in the guest name, a brand name with "&"
    second = CharterFactory(
        party_size=1234, status=CharterStatus.CANCELLED, brand=BrandFactory(time_zone="Europe/Rome")
    )
    CalendarEntry.objects.create(charter=second, sync_state="failed")
    change_url = reverse("admin:bookings_charter_change", args=[today._PK]) + "?a=1&b=<2>"
    lines = [
        today._line(c, change_url)
        for c in Charter.objects.select_related(
            "brand", "vessel", "guest_page", "calendar_entry", "crew_event"
        ).order_by("pk")
    ]
    old = Template(OLD_LINE).render(Context({"lines": lines}))
    assert "".join(line.row for line in lines) == old
    assert "&lt;b&gt;" in old and "a=1&amp;b=&lt;2&gt;" in old and "1234 guests" in old and "Cancelled" in old
