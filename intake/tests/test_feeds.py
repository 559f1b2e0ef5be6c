"""iCal in, against the sample feeds served by a real local HTTP server (never a mock of our code)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from bookings.models import Charter, CharterConflict, CharterSource, CharterStatus
from bookings.tests.factories import CharterFactory
from intake import feeds, ical
from intake.models import FeedEvent, IntakeFeed
from intake.tests.conftest import sample
from jada.models import AuditEntry

pytestmark = pytest.mark.django_db
LA = ZoneInfo("America/Los_Angeles")


class FeedServer:
    """Serves ``routes[path] = (status, body, headers, delay)`` and records each request's headers."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes, dict[str, str], float]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                status, body, headers, delay = server.routes.get(self.path, (404, b"not found", {}, 0.0))
                if delay:
                    time.sleep(delay)
                etag = headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def serve(self, path: str, body: bytes, status: int = 200, delay: float = 0.0, **headers: str) -> str:
        self.routes[path] = (status, body, {"Content-Type": "text/calendar", **headers}, delay)
        return self.url + path


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def add_feed(demo: Any) -> Callable[..., IntakeFeed]:
    def add(source: str, url: str) -> IntakeFeed:
        feed_id = _command("intake_feed_add", "--source", source, "--vessel", "JADA", url)
        assert _command("intake_feed_add", "--source", source, "--vessel", "JADA", url) == feed_id  # idempotent
        return IntakeFeed.objects.get(pk=int(feed_id))

    return add


def _imported() -> Any:
    return Charter.objects.exclude(code="XHQGMDH")


def test_sample_feeds_merge_with_the_email_and_open_the_conflict(
    server: FeedServer, add_feed: Callable[..., IntakeFeed], intake_email: Callable[..., str]
) -> None:
    intake_email(sample("boatsetter-confirmed.eml"))
    emailed = Charter.objects.get(marketplace_booking_id="4829113")
    boatsetter = add_feed("boatsetter", server.serve("/bs.ics", sample("boatsetter-jada.ics")))
    getmyboat = add_feed("getmyboat", server.serve("/gmb.ics", sample("getmyboat-jada.ics")))

    out = _command("intake_poll").splitlines()

    assert out == [
        f"feed {boatsetter.pk} (Boatsetter · JADA): 3 seen, 1 created, 0 updated, 0 missing, 0 cancelled, 0 conflicts",
        f"feed {getmyboat.pk} (GetMyBoat · JADA): 2 seen, 2 created, 0 updated, 0 missing, 0 cancelled, 1 conflicts",
    ]
    # Boatsetter #4829113 is the e-mailed charter (merged, never duplicated); #4830557 an inquiry.
    assert Charter.objects.filter(source=CharterSource.BOATSETTER, marketplace_booking_id="4829113").count() == 1
    assert FeedEvent.objects.get(feed=boatsetter, booking_id="4829113").charter == emailed
    request = Charter.objects.get(marketplace_booking_id="4830557")
    assert request.status == CharterStatus.INQUIRY
    assert request.starts_at == datetime(2027, 7, 4, 18, 30, tzinfo=LA)
    # The all-day owner block is a block on the vessel (15 Jun, midnight to midnight), not a charter.
    block = FeedEvent.objects.get(feed=boatsetter, uid="block-991@boatsetter.com")
    assert (block.is_block, block.charter) == (True, None)
    assert (block.starts_at, block.ends_at) == (datetime(2027, 6, 15, tzinfo=LA), datetime(2027, 6, 16, tzinfo=LA))
    # GetMyBoat's UTC times land in the vessel's zone; 77188001 overlaps #4829113 → a conflict naming both.
    priya = Charter.objects.get(source=CharterSource.GETMYBOAT, marketplace_booking_id="77120934")
    assert priya.starts_at == datetime(2027, 6, 13, 10, 0, tzinfo=LA) and priya.party_size == 4
    alex = Charter.objects.get(marketplace_booking_id="77188001")
    conflict = CharterConflict.objects.get()
    assert {conflict.charter, conflict.other} == {alex, emailed}
    assert emailed.code in conflict.detail and alex.code in conflict.detail
    assert _imported().count() == 4

    # A second poll of the same feeds changes nothing.
    again = _command("intake_poll").splitlines()
    assert again[0].endswith("3 seen, 0 created, 0 updated, 0 missing, 0 cancelled, 0 conflicts")
    assert _imported().count() == 4 and CharterConflict.objects.count() == 1


def test_a_changed_time_reschedules_through_the_flow(server: FeedServer, add_feed: Callable[..., IntakeFeed]) -> None:
    body = sample("boatsetter-jada.ics")
    feed = add_feed("boatsetter", server.serve("/bs.ics", body))
    feeds.feed_poll(feed=feed)
    charter = Charter.objects.get(marketplace_booking_id="4829113")
    moved = body.replace(b"20270529T140000", b"20270529T150000").replace(b"20270529T170000", b"20270529T180000")
    server.serve("/bs.ics", moved)
    result = feeds.feed_poll(feed=IntakeFeed.objects.get(pk=feed.pk))
    assert (result.updated, result.created) == (1, 0)
    charter.refresh_from_db()
    assert charter.starts_at == datetime(2027, 5, 29, 15, 0, tzinfo=LA)
    audit = AuditEntry.objects.filter(action="charter.reschedule", object_id=str(charter.pk)).get()
    assert audit.actor_label == "intake"


@pytest.mark.parametrize(
    ("status", "body", "delay", "error"),
    [
        (500, b"Internal Server Error", 0.0, "HTTP 500 from the feed."),
        (200, sample("boatsetter-jada.ics"), 2.0, "The feed timed out (ReadTimeout)."),
        (200, b"<html><body>Sorry, we are down</body></html>", 0.0, "not a calendar"),
        (
            200,
            b"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//x//x//EN\nEND:VCALENDAR\n",
            0.0,
            "The calendar has no events; nothing was changed",
        ),
    ],
    ids=["http-500", "timeout", "html-error-page", "empty-calendar"],
)
def test_a_bad_fetch_deletes_nothing(
    server: FeedServer,
    add_feed: Callable[..., IntakeFeed],
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    body: bytes,
    delay: float,
    error: str,
) -> None:
    monkeypatch.setattr(ical, "READ_TIMEOUT", 0.5)
    feed = add_feed("boatsetter", server.serve("/bs.ics", sample("boatsetter-jada.ics")))
    feeds.feed_poll(feed=feed)
    before = sorted(Charter.objects.values_list("code", "status", "starts_at"))
    server.serve("/bs.ics", body, status=status, delay=delay)
    for _ in range(FeedEvent.MISSING_AFTER + 1):
        line = _command("intake_poll", "--feed", str(feed.pk))
        assert line.startswith(f"feed {feed.pk} (Boatsetter · JADA): error: ") and error in line
    assert sorted(Charter.objects.values_list("code", "status", "starts_at")) == before
    assert FeedEvent.objects.filter(feed=feed).count() == 3
    assert not FeedEvent.objects.filter(missing_count__gt=0).exists()
    feed.refresh_from_db()
    assert error in feed.last_error and feed.last_good_at is not None


def test_an_event_missing_three_good_fetches_is_flagged_not_cancelled(
    server: FeedServer, add_feed: Callable[..., IntakeFeed]
) -> None:
    full = sample("boatsetter-jada.ics")
    feed = add_feed("boatsetter", server.serve("/bs.ics", full))
    feeds.feed_poll(feed=feed)
    start = full.index(b"BEGIN:VEVENT\nUID:booking-4830557")
    without = full[:start] + full[full.index(b"END:VEVENT\n", start) + len(b"END:VEVENT\n") :]
    server.serve("/bs.ics", without)
    lines = [feeds.feed_poll(feed=IntakeFeed.objects.get(pk=feed.pk)).line() for _ in range(3)]
    assert [line.split(": ", 1)[1] for line in lines] == [
        "2 seen, 0 created, 0 updated, 0 missing, 0 cancelled, 0 conflicts",
        "2 seen, 0 created, 0 updated, 0 missing, 0 cancelled, 0 conflicts",
        "2 seen, 0 created, 0 updated, 1 missing, 0 cancelled, 0 conflicts",
    ]
    event = FeedEvent.objects.get(booking_id="4830557")
    assert event.missing_count == 3 and event.missing_since is not None
    charter = Charter.objects.get(marketplace_booking_id="4830557")
    assert charter.status == CharterStatus.INQUIRY  # staff are told; nothing is cancelled
    told = AuditEntry.objects.get(action="intake.feed_event_missing")
    assert told.object_id == str(charter.pk) and told.data["good_fetches_without_it"] == 3
    # It comes back: no longer missing.
    server.serve("/bs.ics", full)
    feeds.feed_poll(feed=IntakeFeed.objects.get(pk=feed.pk))
    event.refresh_from_db()
    assert (event.missing_count, event.missing_since) == (0, None)


def test_etag_304_costs_no_parse(
    server: FeedServer, add_feed: Callable[..., IntakeFeed], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = add_feed("boatsetter", server.serve("/bs.ics", sample("boatsetter-jada.ics"), ETag='"v1"'))
    assert "3 seen" in feeds.feed_poll(feed=feed).line()

    def no_parse(**kwargs: Any) -> None:
        raise AssertionError("a 304 must not be parsed")

    monkeypatch.setattr(feeds, "feed_items", no_parse)
    line = _command("intake_poll", "--feed", str(feed.pk))
    assert line == f"feed {feed.pk} (Boatsetter · JADA): not modified"
    assert server.requests[-1][1].get("If-None-Match") == '"v1"'


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's")
def test_a_move_onto_another_confirmed_charter_is_kept_for_a_person_not_a_crash(
    server: FeedServer, add_feed: Callable[..., IntakeFeed]
) -> None:
    body = sample("boatsetter-jada.ics")
    feed = add_feed("boatsetter", server.serve("/bs.ics", body))
    feeds.feed_poll(feed=feed)
    charter = Charter.objects.get(marketplace_booking_id="4829113")
    Charter.objects.filter(pk=charter.pk).update(status=CharterStatus.CONFIRMED)
    other = CharterFactory(
        vessel=charter.vessel,
        starts_at=datetime(2027, 5, 29, 19, 0, tzinfo=LA),
        ends_at=datetime(2027, 5, 29, 21, 0, tzinfo=LA),
        status=CharterStatus.CONFIRMED,
    )
    moved = body.replace(b"20270529T140000", b"20270529T180000").replace(b"20270529T170000", b"20270529T200000")
    server.serve("/bs.ics", moved)
    result = feeds.feed_poll(feed=IntakeFeed.objects.get(pk=feed.pk))
    assert result.updated == 0 and any("would double-book JADA" in note for note in result.notes)
    charter.refresh_from_db()
    assert charter.starts_at == datetime(2027, 5, 29, 14, 0, tzinfo=LA)
    assert Charter.objects.get(pk=other.pk).status == CharterStatus.CONFIRMED
