"""The calendar feed: secret rotatable URL, stable UIDs, cancelled kept, crew-facing fields, logged."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from icalendar import Calendar

from crew.feed import crew_event_uid
from crew.models import CrewExposure, CrewFeedToken, CrewMember
from crew.tests.portal_support import (
    assert_no_money,
    crew_entry,
    dirty_item_put,
    event_put,
    event_record,
    in_days,
    sign_in,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("crew_table")]
FEED_RE = re.compile(r'value="http://testserver(/crew/feed/[A-Za-z0-9_-]+\.ics)"')


@pytest.fixture
def ana_client(client: Client, ana: CrewMember) -> Client:
    sign_in(client, ana)
    return client


def _feed_path(client: Client) -> str:
    match = FEED_RE.search(client.get("/crew/").content.decode())
    assert match, "no feed URL on the portal page"
    return match.group(1)


def _rotate(client: Client) -> str:
    response = client.post("/crew/feed/rotate/")
    assert response.status_code == 302 and response["Location"] == "/crew/#calendar"
    return _feed_path(client)


def _events(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_uid_function() -> None:
    assert crew_event_uid("evt_0123456789abcdef0123") == "evt_0123456789abcdef0123@crew.sailjada.com"


def test_portal_offers_to_create_a_feed_then_shows_it(ana_client: Client) -> None:
    html = ana_client.get("/crew/").content.decode()
    assert "Create my calendar feed" in html and ".ics" not in html.split('id="calendar"')[1]
    path = _rotate(ana_client)
    html = ana_client.get("/crew/").content.decode()
    assert f'href="webcal://testserver{path}"' in html
    assert '<label for="feed-url">' in html and "Make a new private address" in html


def test_feed_has_my_events_with_stable_uids_and_cancelled_marked(
    ana_client: Client, ana: CrewMember, ben: CrewMember
) -> None:
    both = [crew_entry(ana, "captain"), crew_entry(ben, "deckhand")]
    live = event_put(event_record("FEED1", crew=both, starts=in_days(3)))
    gone = event_put(event_record("FEED2", crew=both, starts=in_days(5), status="cancelled"))
    bens = event_put(event_record("FEED3", crew=[crew_entry(ben, "captain")], starts=in_days(4)))
    path = _rotate(ana_client)
    response = Client().get(path)  # calendar apps have no session
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Referrer-Policy"] == "no-referrer"
    events = _events(response.content)
    assert set(events) == {crew_event_uid(live["id"]), crew_event_uid(gone["id"])}
    assert crew_event_uid(bens["id"]) not in response.content.decode()
    first = events[crew_event_uid(live["id"])]
    assert str(first["STATUS"]) == "CONFIRMED" and str(first["SUMMARY"]) == "Sunset sail FEED1"
    assert str(first["LOCATION"]) == "Dock 7, Shelter Island Marina"
    assert first.decoded("DTSTART") == in_days(3)
    assert "Your role: Captain" in str(first["DESCRIPTION"]) and "Ben (deckhand)" in str(first["DESCRIPTION"])
    assert "ben@example.com" not in response.content.decode()
    cancelled = events[crew_event_uid(gone["id"])]
    assert str(cancelled["STATUS"]) == "CANCELLED" and str(cancelled["SUMMARY"]).startswith("Cancelled: ")


def test_uid_is_stable_across_edits_and_sequence_follows_the_version(ana_client: Client, ana: CrewMember) -> None:
    record = event_put(event_record("STABLE1", crew=[crew_entry(ana, "captain")], starts=in_days(3)))
    path = _rotate(ana_client)
    before = _events(Client().get(path).content)
    event_put({**record, "starts_at": in_days(4).isoformat(), "title": "Moved sail", "version": 2})
    after = _events(Client().get(path).content)
    uid = crew_event_uid(record["id"])
    assert list(before) == list(after) == [uid]
    assert int(before[uid]["SEQUENCE"]) == 1 and int(after[uid]["SEQUENCE"]) == 2
    assert after[uid].decoded("DTSTART") == in_days(4) and str(after[uid]["SUMMARY"]) == "Moved sail"


def test_rotating_kills_the_old_url(ana_client: Client, ana: CrewMember) -> None:
    old = _rotate(ana_client)
    assert Client().get(old).status_code == 200
    new = _rotate(ana_client)
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert CrewFeedToken.objects.filter(crew_member=ana).count() == 1


def test_every_download_is_logged_per_event(ana_client: Client, ana: CrewMember) -> None:
    one = event_put(event_record("LOG1", crew=[crew_entry(ana, "captain")], starts=in_days(3), version=2))
    two = event_put(event_record("LOG2", crew=[crew_entry(ana, "captain")], starts=in_days(6), status="cancelled"))
    path = _rotate(ana_client)
    Client().get(path)
    Client().get(path)
    rows = sorted(CrewExposure.objects.values_list("event_id", "version", "channel"))
    assert rows == sorted([(one["id"], 2, "feed"), (two["id"], 1, "feed")] * 2)


def test_feed_queries_do_not_grow(ana_client: Client, ana: CrewMember, django_assert_num_queries: Any) -> None:
    path = _rotate(ana_client)
    event_put(event_record("FQ0", crew=[crew_entry(ana, "captain")], starts=in_days(1)))
    with django_assert_num_queries(2):  # token + member + user (joined), exposure insert
        Client().get(path)
    for i in range(1, 6):
        event_put(event_record(f"FQ{i}", crew=[crew_entry(ana, "captain")], starts=in_days(i)))
    with django_assert_num_queries(2):
        assert Client().get(path).content.count(b"BEGIN:VEVENT") == 6


def test_feed_never_carries_money(ana_client: Client, ana: CrewMember) -> None:
    record = event_record("DIRTYF", crew=[crew_entry(ana, "captain")], starts=in_days(2))
    dirty_item_put(record, ana.email)
    body = Client().get(_rotate(ana_client)).content.decode()
    assert "DIRTYF" in body
    unfolded = body.replace("\r\n ", "")
    assert_no_money(unfolded.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";"))
    assert "captain_fee" not in unfolded.lower() and "revenue:" not in unfolded.lower()


@pytest.mark.parametrize("path", ["/crew/feed/" + "A" * 43 + ".ics", "/crew/feed/short.ics", "/crew/feed/../x.ics"])
def test_unknown_feed_is_404(client: Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_deactivated_members_feed_is_404(ana_client: Client, ana: CrewMember) -> None:
    path = _rotate(ana_client)
    ana.user.is_active = False
    ana.user.save()
    assert Client().get(path).status_code == 404


def test_rotation_needs_a_crew_session_and_a_post(client: Client, ana_client: Client) -> None:
    assert ana_client.get("/crew/feed/rotate/").status_code == 405
    assert Client().post("/crew/feed/rotate/")["Location"] == "/crew/login/"
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.cookies = ana_client.cookies
    assert csrf_client.post("/crew/feed/rotate/").status_code == 403
    assert not CrewFeedToken.objects.exists()
