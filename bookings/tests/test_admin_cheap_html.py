"""The charter pages' hand-built HTML (changelist rows, calendar chips) equals what Django rendered before."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from bookings.admin_rows import CharterChangeList
from bookings.admin_views import STATE_COLOURS, CalendarChips
from bookings.models import Charter
from bookings.tests.factories import BrandFactory, CharterFactory

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
