"""The office admin site: Django's context on every page, its app list built only where it is shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.test import Client, RequestFactory
from django.urls import reverse

from jada.admin_site import OfficeAdminSite

pytestmark = pytest.mark.django_db


def test_admin_site_is_the_office_site() -> None:
    assert isinstance(admin.site, OfficeAdminSite)
    assert (admin.site.site_header, admin.site.index_title, admin.site.enable_nav_sidebar) == (
        "JADA Ops",
        "Today",
        False,
    )


def test_each_context_holds_what_djangos_holds(admin_user: Any) -> None:
    """Same keys and values as Django's ``AdminSite.each_context`` (a Django upgrade adding one fails here)."""
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    ours = admin.site.each_context(request)
    djangos = AdminSite.each_context(admin.site, request)
    assert ours.keys() == djangos.keys()
    assert list(ours["available_apps"]) == djangos["available_apps"]
    assert {k: v for k, v in ours.items() if k not in ("available_apps", "log_entries")} == {
        k: v for k, v in djangos.items() if k not in ("available_apps", "log_entries")
    }
    assert list(ours["log_entries"]) == list(djangos["log_entries"])


def _app_list_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    build = OfficeAdminSite._build_app_dict

    def counted(self: OfficeAdminSite, request: Any, label: Any = None) -> Any:
        calls.append(1)
        return build(self, request, label)

    monkeypatch.setattr(OfficeAdminSite, "_build_app_dict", counted)
    return calls


def test_charter_pages_do_not_build_the_app_list(admin_client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _app_list_builds(monkeypatch)
    assert admin_client.get(reverse("admin:bookings_charter_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:bookings_charter_add")).status_code == 200
    assert calls == []


def test_front_page_builds_its_app_list_once_and_shows_it(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _app_list_builds(monkeypatch)
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert len(calls) == 1
    assert 'class="app-bookings module' in page and reverse("admin:bookings_charter_changelist") in page
