"""Edits follow: saving a confirmed charter, its crew, its brand or vessel re-pushes what changed.

Everything runs as `make run` runs it: tasks in-process after commit, the calendar and SCC APIs
over HTTP on the live server, AWS in a moto server. Outcomes are read where they land: the
brand's bucket, the calendar API, the SCC API, the crew's e-mail.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from bookings import flow
from bookings.models import Brand, CalendarEntry, Charter
from bookings.targets import target_status
from bookings.tests.live import NEW_DOCK, all_current, bucket_keys, calendar_entry, crew_event, crew_mail_to, page_html
from crew.models import CrewAssignment, CrewMember
from crew.portal.selectors import member_events
from guestpages.cdn import invalidations_list
from guestpages.models import GuestPage

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_crew_invitations_read_the_notes_without_money(confirmed: Charter) -> None:
    invitations = [m for m in confirmed.confirmation_mail if "JADA Ops" in m.body]  # type: ignore[attr-defined]
    assert sorted(m.to[0] for m in invitations) == ["dana.whitfield@sailjada.com", "marco.reyes@sailjada.com"]
    for message in invitations:
        assert "Meet at dock 7 at 14:00, party of 6. 2 coolers." in message.body
        for word in ("Revenue", "revenue", "fee", "1,450", "$"):
            assert word not in message.body


def test_a_meeting_point_edit_reaches_every_target_and_crew_are_told(confirmed: Charter) -> None:
    flow.charter_edit(charter=confirmed, changes={"meeting_point": NEW_DOCK}, actor="test")
    assert NEW_DOCK in page_html(confirmed)
    assert (calendar_entry(confirmed.code) or {})["meeting_point"] == NEW_DOCK
    assert (crew_event(confirmed.code) or {})["meeting_point"] == NEW_DOCK
    assert all_current(confirmed)
    for member in CrewMember.objects.filter(assignments__charter=confirmed):
        (subject,) = crew_mail_to(member.email)
        assert subject.startswith("Changed:")
        (message,) = [m for m in mail.outbox if m.to == [member.email] and "JADA Ops" in m.body]
        assert NEW_DOCK in message.body and "CHANGED" in message.body


def test_an_edit_that_changes_nothing_pushes_nothing_and_tells_nobody(confirmed: Charter) -> None:
    def attempts_now() -> list[int]:
        return [
            GuestPage.objects.get(charter=confirmed).attempts,
            CalendarEntry.objects.get(charter=confirmed).attempts,
        ]

    attempts = attempts_now()
    flow.charter_edit(charter=confirmed, changes={"meeting_point": confirmed.meeting_point}, actor="test")
    with transaction.atomic():
        assert flow.charter_follow(charter=confirmed, actor="test") == []
    assert attempts_now() == attempts
    assert mail.outbox == []


def test_internal_money_edit_changes_no_crew_or_guest_target(confirmed: Charter) -> None:
    flow.charter_edit(charter=confirmed, changes={"captain_fee": 999}, actor="test")
    assert mail.outbox == []
    assert "999" not in page_html(confirmed) and "999" not in str(crew_event(confirmed.code))


def test_crew_added_is_invited_once_and_crew_removed_is_told_once_and_loses_the_event(confirmed: Charter) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("nina", email="nina@sailjada.com")
    user.set_unusable_password()
    user.save()
    nina = CrewMember.objects.create(user=user, name="Nina Park", email="nina@sailjada.com", roles=["deckhand"])
    with transaction.atomic():
        CrewAssignment.objects.create(charter=confirmed, crew_member=nina, role="deckhand")
        flow.charter_follow(charter=confirmed, actor="test", changed=["crew"])
    assert [s.split(":")[0] for s in crew_mail_to(nina.email)] == ["You're crew"]
    assert nina.email in {c["email"] for c in (crew_event(confirmed.code) or {})["crew"]}
    assert [e.record["charter_ref"] for e in member_events(nina)] == [confirmed.code]
    others = [m.email for m in CrewMember.objects.exclude(pk=nina.pk)]
    assert all(crew_mail_to(email) == [] for email in others)  # nothing changed for them

    mail.outbox.clear()
    with transaction.atomic():
        CrewAssignment.objects.filter(crew_member=nina).delete()
        flow.charter_follow(charter=confirmed, actor="test", changed=["crew"])
    assert [s.split(":")[0] for s in crew_mail_to(nina.email)] == ["You're off"]
    assert member_events(nina) == []
    assert nina.email not in {c["email"] for c in (crew_event(confirmed.code) or {})["crew"]}


def test_a_charter_moved_to_another_brand_leaves_the_old_site_and_appears_on_the_new(confirmed: Charter) -> None:
    old, new = confirmed.brand, Brand.objects.get(slug="sailjada")
    flow.charter_edit(charter=confirmed, changes={"brand": new}, actor="test")
    key = f"jada-guest-{confirmed.code.lower()}.html"
    assert key not in bucket_keys(old)
    assert key in bucket_keys(new)
    assert new.domain in page_html(confirmed, new) or new.name in page_html(confirmed, new)
    old_paths = {p for i in invalidations_list(old) for p in i["paths"]}
    new_paths = {p for i in invalidations_list(new) for p in i["paths"]}
    assert {f"/g/{confirmed.code}", f"/{key}"} <= old_paths and {f"/g/{confirmed.code}", f"/{key}"} <= new_paths
    page = GuestPage.objects.get(charter=confirmed)
    assert (page.bucket, page.public_url) == (new.bucket, f"https://{new.domain}/g/{confirmed.code}")
    assert all_current(confirmed)


def test_a_brand_theme_edit_republishes_every_live_page_with_batched_invalidations(confirmed: Charter) -> None:
    brand = confirmed.brand
    others = []
    for offset in (1, 2):
        charter = Charter.objects.create(
            brand=brand,
            vessel=confirmed.vessel,
            guest_name=f"Guest {offset}",
            party_size=2,
            starts_at=confirmed.starts_at + (confirmed.ends_at - confirmed.starts_at) * (3 * offset),
            ends_at=confirmed.ends_at + (confirmed.ends_at - confirmed.starts_at) * (3 * offset),
        )
        flow.charter_confirm(charter=charter, actor="test")
        others.append(charter)
    before = len(invalidations_list(brand))
    with transaction.atomic():
        brand.theme_primary_color = "#aa0055"
        brand.save()
        flow.brand_follow(brand=brand, actor="test", changed=["theme_primary_color"])
    for charter in [confirmed, *others]:
        assert "#aa0055" in page_html(charter)
        assert target_status(GuestPage.objects.get(charter=charter)) == "synced"
    batches = invalidations_list(brand)[: len(invalidations_list(brand)) - before]
    assert len(invalidations_list(brand)) - before == 1, batches  # three pages, one invalidation
    assert mail.outbox == [] or all("JADA Ops" not in m.body for m in mail.outbox)  # crew not told of colours


def test_a_renamed_vessel_follows_on_upcoming_charters(confirmed: Charter) -> None:
    vessel = confirmed.vessel
    with transaction.atomic():
        vessel.name = "JADA II"
        vessel.save()
        flow.vessel_follow(vessel=vessel, actor="test")
    assert (calendar_entry(confirmed.code) or {})["vessel"] == "JADA II"
    assert (crew_event(confirmed.code) or {})["vessel"] == "JADA II"
    assert "JADA II" in page_html(confirmed)
    assert all_current(confirmed)


def test_two_quick_edits_in_a_row_the_last_one_wins_everywhere(confirmed: Charter, settings: Any) -> None:
    from jada.celery import app

    app.conf.task_always_eager = False  # the pushes queue up (and are lost) instead of running at once
    try:
        flow.charter_edit(charter=confirmed, changes={"meeting_point": "Dock 8"}, actor="test")
        assert target_status(GuestPage.objects.get(charter=confirmed)) == "out_of_date"
        flow.charter_edit(charter=confirmed, changes={"meeting_point": NEW_DOCK}, actor="test")
    finally:
        app.conf.task_always_eager = True
    call_command("redrive", "--older-than", "0", stdout=StringIO())  # as beat would, a little later
    assert NEW_DOCK in page_html(confirmed) and "Dock 8" not in page_html(confirmed)
    assert (calendar_entry(confirmed.code) or {})["meeting_point"] == NEW_DOCK
    assert (crew_event(confirmed.code) or {})["meeting_point"] == NEW_DOCK
    assert all_current(confirmed)


def test_a_bulk_confirm_publishes_every_page_with_one_invalidation_per_batch(
    confirmed: Charter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flow, "BULK_PAGES_EVERY", 2)
    brand, length = confirmed.brand, confirmed.ends_at - confirmed.starts_at
    charters = [
        Charter.objects.create(
            brand=brand,
            vessel=confirmed.vessel,
            guest_name=f"Bulk guest {n}",
            party_size=2,
            starts_at=confirmed.starts_at + length * (3 * n),
            ends_at=confirmed.ends_at + length * (3 * n),
        )
        for n in (1, 2, 3)
    ]
    before = len(invalidations_list(brand))
    results = flow.charters_confirm(charters=charters, actor="test")
    assert [error for _, error in results] == ["", "", ""]
    for charter in charters:
        assert charter.guest_name in page_html(charter)
        assert all_current(charter)
    assert len(invalidations_list(brand)) - before == 2  # three pages in batches of two
