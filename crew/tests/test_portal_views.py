"""My charters and one charter: only my own, local times, no money, exposure log, what changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from crew.models import CrewExposure, CrewMember
from crew.tests.portal_support import (
    assert_no_money,
    crew_entry,
    dirty_item_put,
    event_put,
    event_record,
    in_days,
    member_make,
    sign_in,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("crew_table")]


@pytest.fixture
def ana_client(client: Client, ana: CrewMember) -> Client:
    sign_in(client, ana)
    return client


@pytest.fixture
def charters(ana: CrewMember, ben: CrewMember) -> dict[str, dict[str, Any]]:
    both = [crew_entry(ana, "captain"), crew_entry(ben, "deckhand")]
    return {
        "soon": event_put(event_record("SOON1", crew=both, starts=in_days(2))),
        "later": event_put(event_record("LATER1", crew=both, starts=in_days(9))),
        "past": event_put(event_record("PAST1", crew=both, starts=in_days(-5))),
        "older": event_put(event_record("OLDER1", crew=both, starts=in_days(-30))),
        "cancelled": event_put(event_record("CANC1", crew=both, starts=in_days(4), status="cancelled")),
        "bens": event_put(event_record("BENONLY", crew=[crew_entry(ben, "captain")], starts=in_days(3))),
    }


def test_list_shows_upcoming_first_then_past_and_only_mine(ana_client: Client, charters: dict[str, Any]) -> None:
    response = ana_client.get("/crew/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    order = ["SOON1", "CANC1", "LATER1", "PAST1", "OLDER1"]
    positions = [html.index(f"Sunset sail {ref}") for ref in order]
    assert positions == sorted(positions)
    assert html.index("Upcoming charters") < positions[0] < html.index("Past charters") < positions[3]
    assert "BENONLY" not in html and charters["bens"]["id"] not in html
    assert 'class="badge cancelled">Cancelled' in html
    assert "<script" not in html


def test_list_cards_say_when_what_and_my_role(ana_client: Client, ana: CrewMember) -> None:
    starts = in_days(3, hour=14)
    full = event_put(event_record("CARD1", crew=[crew_entry(ana, "mate")], starts=starts, vessel="JADA <b>II</b>"))
    bare = event_put(
        event_record(
            "CARD2", crew=[crew_entry(ana, "")], starts=in_days(4), title="", vessel="", starts_at=None, ends_at=None
        )
    )
    html = ana_client.get("/crew/").content.decode()
    assert (
        f'<a href="/crew/events/{full["id"]}/">\n    <span class="title">Sunset sail CARD1</span>\n    \n'
        f'    <p class="meta">{starts.strftime("%A %-d %B %Y")} · 14:00 – 18:00 {starts.tzname()}</p>\n'
        '    <p class="meta">JADA &lt;b&gt;II&lt;/b&gt; · Mate</p>'
    ) in html
    assert (
        f'<a href="/crew/events/{bare["id"]}/">\n    <span class="title">Charter</span>\n    \n'
        '    <p class="meta">Date to be confirmed</p>\n    <p class="meta">Crew</p>'
    ) in html


def test_list_is_not_logged_as_an_exposure(ana_client: Client, charters: dict[str, Any]) -> None:
    ana_client.get("/crew/")
    assert not CrewExposure.objects.exists()


def test_detail_shows_the_crew_facing_record(ana_client: Client, charters: dict[str, Any]) -> None:
    event = event_put(
        event_record(
            "DETAIL1",
            crew=[
                crew_entry(CrewMember.objects.get(email="ana@example.com"), "captain"),
                crew_entry(CrewMember.objects.get(email="ben@example.com"), "deckhand"),
                {"email": "cy@example.com", "name": "Cy Steward Smith", "role": "steward"},
            ],
            starts=in_days(10, hour=14),
            meeting_point="Dock 7, Shelter Island Marina",
            notes="Ice is in the shed.\nParty of 6.",
        )
    )
    response = ana_client.get(f"/crew/events/{event['id']}/")
    assert response.status_code == 200
    html = response.content.decode()
    day = in_days(10, hour=14)
    assert day.strftime("%A %-d %B %Y") in html
    assert f"14:00 – 18:00 {day.tzname()}" in html
    assert "JADA" in html and "Dock 7, Shelter Island Marina" in html
    assert "https://www.google.com/maps/search/?api=1&amp;query=Dock+7%2C+Shelter+Island+Marina" in html
    assert "<dt>Your role</dt><dd>Captain</dd>" in html
    assert "Ben (deckhand), Cy (steward)" in html
    assert "Ben Deckhand" not in html and "ben@example.com" not in html and "Smith" not in html
    assert "Ice is in the shed." in html
    assert_no_money(html)


def test_times_are_pacific_whatever_offset_the_record_uses(ana_client: Client, ana: CrewMember) -> None:
    event = event_put(
        event_record("UTC1", crew=[crew_entry(ana, "mate")], starts=in_days(1), starts_at="2030-07-04T21:00:00+00:00")
    )
    event_put({**event, "ends_at": "2030-07-05T01:30:00+00:00", "version": 2})
    html = ana_client.get(f"/crew/events/{event['id']}/").content.decode()
    assert "Thursday 4 July 2030" in html and "14:00 – 18:30 PDT" in html


@pytest.mark.parametrize("which", ["bens", "unknown", "garbage"])
def test_anyone_elses_event_is_404(ana_client: Client, charters: dict[str, Any], which: str) -> None:
    event_id = {"bens": charters["bens"]["id"], "unknown": "evt_" + "0" * 20, "garbage": "x" * 3000}[which]
    response = ana_client.get(f"/crew/events/{event_id}/")
    assert response.status_code == 404
    assert not CrewExposure.objects.exists()


def test_removed_from_the_crew_means_404(ana_client: Client, ana: CrewMember, ben: CrewMember) -> None:
    record = event_put(event_record("MOVED1", crew=[crew_entry(ana, "captain")], starts=in_days(3)))
    assert ana_client.get(f"/crew/events/{record['id']}/").status_code == 200
    event_put({**record, "crew": [crew_entry(ben, "captain")], "version": 2}, previous_crew=(ana.email,))
    assert ana_client.get(f"/crew/events/{record['id']}/").status_code == 404
    assert "MOVED1" not in ana_client.get("/crew/").content.decode()


def test_no_financial_value_even_from_an_unscrubbed_item(ana_client: Client, ana: CrewMember) -> None:
    record = event_record("DIRTY1", crew=[crew_entry(ana, "captain")], starts=in_days(5))
    dirty_item_put(record, ana.email)
    for path in ("/crew/", f"/crew/events/{record['id']}/"):
        html = ana_client.get(path).content.decode()
        assert "DIRTY1" in html
        assert_no_money(html)
    html = ana_client.get(f"/crew/events/{record['id']}/").content.decode()
    assert "Meet at dock 7 at 14:00, party of 6." in html  # operational numbers survive


def test_money_check_can_fail() -> None:
    with pytest.raises(AssertionError):
        assert_no_money("<p>Revenue $1,450</p>")
    with pytest.raises(AssertionError):
        assert_no_money("<p>tip was 50</p>")


def test_cancelled_detail_says_so(ana_client: Client, charters: dict[str, Any]) -> None:
    html = ana_client.get(f"/crew/events/{charters['cancelled']['id']}/").content.decode()
    assert "This charter is cancelled." in html


def test_detail_view_is_logged_with_the_version_shown(ana_client: Client, ana: CrewMember, charters: Any) -> None:
    event = charters["soon"]
    event_put({**event, "version": 4})
    ana_client.get(f"/crew/events/{event['id']}/")
    ana_client.get(f"/crew/events/{event['id']}/")
    rows = list(CrewExposure.objects.values_list("crew_member__email", "event_id", "version", "channel"))
    assert rows == [("ana@example.com", event["id"], 4, "portal")] * 2


def test_what_changed_since_last_look(ana_client: Client, ana: CrewMember) -> None:
    record = event_put(event_record("CHG1", crew=[crew_entry(ana, "captain")], starts=in_days(6)))
    path = f"/crew/events/{record['id']}/"
    assert "first time you're seeing this charter" in ana_client.get(path).content.decode()
    assert "Changed since you last looked" not in ana_client.get(path).content.decode()
    event_put({**record, "meeting_point": "Fuel dock, Harbor Island", "notes": "New notes", "version": 2})
    html = ana_client.get(path).content.decode()
    assert "Changed since you last looked" in html
    assert "Meeting point: was “Dock 7, Shelter Island Marina”, now “Fuel dock, Harbor Island”" in html
    assert "Notes: updated" in html
    assert "Vessel:" not in html.split("Changed since you last looked")[1].split("</div>")[0]
    assert "Changed since you last looked" not in ana_client.get(path).content.decode()


def test_what_changed_without_a_snapshot_still_says_updated(ana_client: Client, ana: CrewMember) -> None:
    record = event_put(event_record("CHG2", crew=[crew_entry(ana, "captain")], starts=in_days(6)))
    CrewExposure.objects.create(crew_member=ana, event_id=record["id"], version=1, channel="email")
    event_put({**record, "guest_count": 8, "version": 2})
    cache.clear()
    html = ana_client.get(f"/crew/events/{record['id']}/").content.decode()
    assert "Changed since you last looked" in html and "The details below are the current ones." in html


def test_an_email_counts_as_having_looked_but_a_feed_poll_does_not(ana_client: Client, ana: CrewMember) -> None:
    record = event_put(event_record("CHG3", crew=[crew_entry(ana, "captain")], starts=in_days(6), version=3))
    CrewExposure.objects.create(crew_member=ana, event_id=record["id"], version=2, channel="email")
    CrewExposure.objects.create(crew_member=ana, event_id=record["id"], version=3, channel="feed")
    html = ana_client.get(f"/crew/events/{record['id']}/").content.decode()
    assert "Changed since you last looked" in html


@pytest.mark.parametrize(
    ("engine", "session_queries"),
    [
        ("django.contrib.sessions.backends.db", 1),  # without Redis (`make run`)
        ("jada.sessions", 0),  # with Redis: the session from the cache
    ],
)
def test_queries_per_page_do_not_grow(
    client: Client,
    ana: CrewMember,
    ben: CrewMember,
    django_assert_num_queries: Any,
    settings: Any,
    engine: str,
    session_queries: int,
) -> None:
    settings.SESSION_ENGINE = engine
    sign_in(client, ana)
    first = event_put(event_record("Q0", crew=[crew_entry(ana, "captain")], starts=in_days(1)))
    home = session_queries + 1  # the user with its crew member and feed token (one query, joined)
    detail = home + 2  # + last exposure, + exposure insert
    with django_assert_num_queries(home):
        assert client.get("/crew/").status_code == 200
    with django_assert_num_queries(detail):
        assert client.get(f"/crew/events/{first['id']}/").status_code == 200
    extra = [member_make() for _ in range(4)]
    crowd = [crew_entry(ana, "captain"), crew_entry(ben, "mate")] + [crew_entry(m, "deckhand") for m in extra]
    for i in range(1, 8):
        event_put(event_record(f"Q{i}", crew=crowd, starts=in_days(i * 3 - 10)))
    big = event_put(event_record("QBIG", crew=crowd, starts=in_days(2)))
    with django_assert_num_queries(home):
        assert client.get("/crew/").content.decode().count("Sunset sail Q") == 9
    with django_assert_num_queries(detail):
        assert client.get(f"/crew/events/{big['id']}/").status_code == 200
    assert client.post("/crew/feed/rotate/").status_code == 302
    with django_assert_num_queries(home):  # the feed token came with the member
        assert ".ics" in client.get("/crew/").content.decode()


def test_office_staff_session_is_not_a_crew_session(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    assert client.get("/crew/")["Location"] == "/crew/login/"


def test_store_outage_is_a_polite_503(ana_client: Client, crew_table: Any) -> None:
    crew_table.delete()
    response = ana_client.get("/crew/")
    assert response.status_code == 503
    assert b"can't be loaded right now" in response.content


@pytest.mark.parametrize("path", ["/crew/", "/crew/events/evt_00000000000000000000/"])
def test_portal_pages_need_a_crew_session(client: Client, path: str) -> None:
    assert client.get(path)["Location"] == "/crew/login/"
