"""The office admin: every page opens, changelists cost a constant number of queries, crew stay out."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.demo import demo_seed
from bookings.models import Charter
from bookings.tests.factories import BrandFactory, CharterFactory, VesselFactory
from crew.tests.factories import CrewAssignmentFactory, CrewMemberFactory
from jada.office import OFFICE_GROUP

pytestmark = pytest.mark.django_db

MODELS: list[Any] = sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.fixture
def superuser_client(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_every_admin_page_opens(superuser_client: Client, model: Any) -> None:
    demo_seed()
    opts = model._meta
    changelist = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    add = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    model_admin = admin.site._registry[model]
    assert add.status_code == (200 if model_admin.has_add_permission(add.wsgi_request) else 403)
    obj = model._default_manager.first()
    if obj is not None:
        change = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200


def _changelist_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("admin:bookings_charter_changelist"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_charter_changelist_queries_do_not_grow_with_rows(superuser_client: Client) -> None:
    brand, vessel = BrandFactory(), VesselFactory()
    CharterFactory.create_batch(10, brand=brand, vessel=vessel)
    ten = _changelist_queries(superuser_client)
    CharterFactory.create_batch(190, brand=BrandFactory(), vessel=vessel)
    assert Charter.objects.count() == 200
    assert _changelist_queries(superuser_client) == ten


def test_charter_page_shows_crew_and_target_states(superuser_client: Client) -> None:
    charter = demo_seed().charter
    response = superuser_client.get(reverse("admin:bookings_charter_change", args=[charter.pk]))
    html = response.content.decode()
    assert "Marco Reyes" in html and "Dana Whitfield" in html
    assert "Guest page" in html and "Crew event" in html and "Calendar" in html


def test_crew_user_cannot_enter_admin(client: Client) -> None:
    member = CrewAssignmentFactory().crew_member
    client.force_login(member.user)
    response = client.get("/admin/")
    # A signed-in non-staff session is refused outright (jada/mfa.py), never offered a login form.
    assert response.status_code == 403
    assert client.get("/admin/bookings/charter/").status_code == 403


def test_office_group_can_manage_charters_but_not_delete_them(client: Client) -> None:
    from django.contrib.auth.models import Group

    office = Group.objects.get(name=OFFICE_GROUP)
    user = get_user_model().objects.create_user("clerk", password="pw-for-tests-only", is_staff=True)
    user.groups.add(office)
    assert user.has_perm("bookings.change_charter")
    assert user.has_perm("crew.add_crewassignment")
    assert not user.has_perm("bookings.delete_charter")
    assert not user.has_perm("jada.change_auditentry")
    client.force_login(user)
    assert client.get(reverse("admin:bookings_charter_changelist")).status_code == 200


def test_crew_member_factory_user_is_not_staff() -> None:
    member = CrewMemberFactory()
    assert not member.user.is_staff
    assert not member.user.has_usable_password()


def test_the_out_of_date_filter_lists_exactly_the_stale_charters_in_constant_queries(
    superuser_client: Client,
) -> None:
    """``?targets=out_of_date`` reads each target table through its partial index (no join of
    every charter, no DISTINCT): the right charters, and no more queries for more of them."""
    from bookings.models import CalendarEntry
    from crew.models import CrewEvent
    from guestpages.models import GuestPage

    def stale(model: Any, charter: Charter) -> None:
        model.objects.create(charter=charter, sync_state="synced", delivered_fingerprint="a", wanted_fingerprint="b")

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = superuser_client.get(reverse("admin:bookings_charter_changelist") + "?targets=out_of_date")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    vessel = VesselFactory()
    fresh = CharterFactory(vessel=vessel)
    GuestPage.objects.create(charter=fresh, sync_state="synced", delivered_fingerprint="a", wanted_fingerprint="a")
    failed = CharterFactory(vessel=vessel)
    CrewEvent.objects.create(charter=failed, sync_state="failed", delivered_fingerprint="a", wanted_fingerprint="b")
    first = CharterFactory(vessel=vessel)
    stale(GuestPage, first)
    stale(CalendarEntry, first)  # two stale targets: still listed once
    few, html = queries()
    assert html.count(f">{first.code}<") == 1
    assert fresh.code not in html and failed.code not in html
    more = CharterFactory.create_batch(5, vessel=vessel)
    for charter, model in zip(more, [GuestPage, CalendarEntry, CrewEvent, CrewEvent, GuestPage], strict=True):
        stale(model, charter)
    many, html = queries()
    assert all(f">{c.code}<" in html for c in [first, *more])
    assert many == few
