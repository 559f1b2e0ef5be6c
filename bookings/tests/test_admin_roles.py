"""Roles: Office sees and edits everything; a Dispatcher confirms, reschedules, assigns crew and
reads the calendar, and sees no money anywhere."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from bookings.models import Charter
from bookings.tests.factories import CharterFactory
from jada.office import (
    DISPATCHER_GROUP,
    FINANCIAL_FIELDS,
    OFFICE_GROUP,
    dispatcher_group_ensure,
    office_group_ensure,
)

pytestmark = pytest.mark.django_db
MONEY = {"gross_revenue": Decimal("1450.00"), "platform_fee": Decimal("217.55"), "captain_fee": Decimal("300.00")}
MONEY_TEXT = ("1450", "1,450", "217.55", "300.00", "Money (office only)", "Gross revenue", "Platform fee")


def _member_of(group_name: str, username: str) -> Any:
    user = get_user_model().objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def charter() -> Charter:
    return CharterFactory(**MONEY, meeting_point="Dock 7")


@pytest.fixture
def dispatcher(client: Client) -> Client:
    client.force_login(_member_of(DISPATCHER_GROUP, "disp"))
    return client


def test_groups_exist_after_migrate_and_ensuring_them_again_changes_nothing() -> None:
    office, dispatcher = Group.objects.get(name=OFFICE_GROUP), Group.objects.get(name=DISPATCHER_GROUP)
    before = (set(office.permissions.all()), set(dispatcher.permissions.all()))
    office_group_ensure()
    dispatcher_group_ensure()
    assert (set(office.permissions.all()), set(dispatcher.permissions.all())) == before
    assert Group.objects.filter(name__in=[OFFICE_GROUP, DISPATCHER_GROUP]).count() == 2


def test_dispatcher_permissions_cover_the_job_and_nothing_more() -> None:
    user = _member_of(DISPATCHER_GROUP, "disp")
    for perm in ("bookings.view_charter", "bookings.change_charter", "crew.add_crewassignment", "crew.view_crewmember"):
        assert user.has_perm(perm), perm
    for perm in ("bookings.add_charter", "bookings.delete_charter", "bookings.change_brand", "auth.change_user"):
        assert not user.has_perm(perm), perm


def test_dispatcher_change_form_shows_no_money(dispatcher: Client, charter: Charter) -> None:
    response = dispatcher.get(reverse("admin:bookings_charter_change", args=[charter.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dock 7" in html
    for field in FINANCIAL_FIELDS:
        assert f'name="{field}"' not in html
    for text in MONEY_TEXT:
        assert text not in html, text


def test_dispatcher_form_neither_shows_nor_accepts_money_fields(dispatcher: Client, charter: Charter) -> None:
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    from bookings.admin import CharterAdmin

    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(username="disp")
    form_class = CharterAdmin(Charter, django_admin.site).get_form(request, charter, change=True)
    assert not set(FINANCIAL_FIELDS) & set(form_class.base_fields)


def test_dispatcher_changelist_and_calendar_show_no_money(dispatcher: Client, charter: Charter) -> None:
    changelist = dispatcher.get(reverse("admin:bookings_charter_changelist"))
    assert changelist.status_code == 200
    assert charter.code in changelist.content.decode()
    calendar = dispatcher.get(reverse("admin:bookings_charter_calendar"))
    assert calendar.status_code == 200
    for page in (changelist, calendar):
        for text in MONEY_TEXT:
            assert text not in page.content.decode(), text


def test_dispatcher_may_reschedule_and_assign_crew(dispatcher: Client, charter: Charter) -> None:
    assert dispatcher.get(reverse("admin:bookings_charter_reschedule", args=[charter.pk])).status_code == 200
    assert dispatcher.get(reverse("admin:crew_crewassignment_add")).status_code == 200


def test_office_sees_and_edits_money(client: Client, charter: Charter) -> None:
    client.force_login(_member_of(OFFICE_GROUP, "clerk"))
    html = client.get(reverse("admin:bookings_charter_change", args=[charter.pk])).content.decode()
    assert 'name="gross_revenue"' in html and "1450.00" in html
    assert "Money (office only)" in html


def test_staff_in_no_group_sees_no_money(client: Client, charter: Charter) -> None:
    user = get_user_model().objects.create_user("loner", password="pw-for-tests-only", is_staff=True)
    user.user_permissions.add(*Group.objects.get(name=OFFICE_GROUP).permissions.all())
    client.force_login(user)
    html = client.get(reverse("admin:bookings_charter_change", args=[charter.pk])).content.decode()
    assert 'name="gross_revenue"' not in html
