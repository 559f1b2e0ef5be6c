"""A brand edit marks its pages in bulk and re-checks the other targets only when they read what changed.

A theme edit of a large brand runs inside the admin's save: its cost must not grow with the number
of charters, and it must not re-examine calendar entries and crew events that cannot have changed.
"""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from bookings import flow
from bookings.models import Brand, CalendarEntry, Charter
from bookings.payloads import BRAND_FIELDS_OFF_PAGE, target_fingerprint
from bookings.tests.factories import BrandFactory, CharterFactory
from crew.models import CrewEvent
from guestpages.models import GuestPage
from jada.models import SyncState

pytestmark = [pytest.mark.django_db]


def _live_brand(count: int) -> tuple[Brand, list[Charter]]:
    brand = BrandFactory(slug=f"big{count}")
    charters = [CharterFactory(brand=brand, status="confirmed") for _ in range(count)]
    for c in charters:
        for model, kind in ((GuestPage, "guest_page"), (CalendarEntry, "calendar_entry"), (CrewEvent, "crew_event")):
            fp = target_fingerprint(kind, c)
            model.objects.create(
                charter=c, sync_state=SyncState.SYNCED, delivered_fingerprint=fp, wanted_fingerprint=fp
            )
    return brand, charters


def _theme_edit(brand: Brand, colour: str, callbacks: Any) -> tuple[dict[str, int], int, list[Any]]:
    brand.theme_primary_color = colour
    brand.save()
    with CaptureQueriesContext(connection) as queries, callbacks() as enqueued:
        followed = flow.brand_follow(brand=brand, actor="test", changed=["theme_primary_color"])
    return followed, len(queries), enqueued


def test_a_theme_edit_marks_every_page_in_a_fixed_number_of_queries_and_leaves_the_rest(
    django_capture_on_commit_callbacks: Any,
) -> None:
    small, _ = _live_brand(3)
    big, charters = _live_brand(12)
    followed_small, queries_small, _ = _theme_edit(small, "#aa0055", django_capture_on_commit_callbacks)
    followed, queries_big, enqueued = _theme_edit(big, "#aa0055", django_capture_on_commit_callbacks)
    assert followed_small == {"pages": 3, "other_targets": 0}
    assert followed == {"pages": 12, "other_targets": 0}
    assert queries_big == queries_small
    assert len(enqueued) == 1  # the one bulk push, nothing per charter
    pages = GuestPage.objects.filter(charter__in=charters)
    assert set(pages.values_list("sync_state", flat=True)) == {SyncState.PENDING}
    for page in pages.select_related("charter__brand", "charter__vessel"):
        assert page.wanted_fingerprint == target_fingerprint("guest_page", page.charter) != page.delivered_fingerprint
    for model in (CalendarEntry, CrewEvent):
        assert set(model.objects.filter(charter__in=charters).values_list("sync_state", flat=True)) == {"synced"}


def test_a_time_zone_edit_still_follows_to_calendar_entries_and_crew_events(
    django_capture_on_commit_callbacks: Any,
) -> None:
    brand, charters = _live_brand(2)
    brand.time_zone = "America/New_York"
    brand.save()
    with django_capture_on_commit_callbacks():
        followed = flow.brand_follow(brand=brand, actor="test", changed=["time_zone"])
    assert followed == {"pages": 2, "other_targets": 4}
    assert set(CalendarEntry.objects.filter(charter__in=charters).values_list("sync_state", flat=True)) == {"pending"}


def _other_value(field: models.Field[Any, Any], value: Any) -> Any:
    if isinstance(field, models.DurationField):
        return value * 2
    if isinstance(field, models.TimeField):
        return value.replace(hour=(value.hour + 1) % 24) if value else time(3, 0)
    if isinstance(field, models.IntegerField):
        return (value or 0) + 1
    if isinstance(field, models.URLField):
        return "https://cdn.example.com/other-logo.png"
    if field.name.startswith("theme_") and field.name.endswith("_color"):
        return "#123456"
    if field.name == "guest_page_key_template":
        return "pages/{code}.html"
    if field.name == "time_zone":
        return "America/New_York"
    if isinstance(field, models.CharField):
        return f"{value}x"[: field.max_length]
    raise AssertionError(f"add a changed value for Brand.{field.name} ({type(field).__name__}) to this test")


def test_only_the_fields_off_page_change_what_calendar_entries_and_crew_events_hold() -> None:
    brand, (charter,) = _live_brand(1)
    before = {kind: target_fingerprint(kind, charter) for kind in ("calendar_entry", "crew_event")}
    editable = [f for f in Brand._meta.concrete_fields if f.editable and not f.primary_key]
    assert {f.name for f in editable} >= BRAND_FIELDS_OFF_PAGE
    for field in editable:
        charter.brand = Brand.objects.get(pk=brand.pk)
        setattr(charter.brand, field.name, _other_value(field, getattr(charter.brand, field.name)))
        after = {kind: target_fingerprint(kind, charter) for kind in before}
        if field.name in BRAND_FIELDS_OFF_PAGE:
            assert after != before, field.name  # listed for a reason
        else:
            assert after == before, f"Brand.{field.name} reaches a calendar entry or crew event: list it"
