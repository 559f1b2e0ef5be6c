"""``intake``: marketplace intake — feeds polled and e-mails parsed — vs fetching and parsing alone.

Feeds: ``intake_feeds`` feeds (one vessel each) of ``intake_events`` events, served by a local
HTTP server without ETags (so every poll fetches and parses). The first poll of one feed
imports its events as charters (untimed; its rate is reported), the other feeds are seeded in
bulk as a first poll leaves them; the timed product is the steady-state poll
beat runs every 10 minutes: ``intake.feeds.feed_poll`` for every feed (fetch, parse, match each
event to its row and charter, count the missing). Baseline: the same GETs with httpx and
``icalendar.Calendar.from_ical`` + a walk over the events, nothing else.

E-mails: ``intake_messages`` sample messages (the five booking samples, each with its own
booking number): the product is ``message_text`` + ``message_parse`` (MIME, HTML, labels,
listing lookup); the baseline is the standard library's ``BytesParser(policy=default)`` and
``get_body().get_content()``. Unit: items (events + messages) per second.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import icalendar

from bench import harness
from bench.context import Context

SAMPLES = Path(__file__).resolve().parents[1] / "intake" / "tests" / "samples"
BOOKING_SAMPLES = {
    "boatsetter-confirmed.eml": b"4829113",
    "boatsetter-request.eml": b"4830557",
    "boatsetter-modified.eml": b"4829113",
    "getmyboat-confirmed.eml": None,  # base64: its number is inside the encoded body
    "getmyboat-cancelled.eml": b"77120934",
}


def _calendar(feed: int, events: int) -> bytes:
    start = datetime(2027, 1, 1, 15, 0, tzinfo=UTC)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//intake//EN"]
    for i in range(events):
        begins = start + timedelta(hours=6 * i)
        booking = 50_000_000 + feed * 10_000 + i
        lines += [
            "BEGIN:VEVENT",
            f"UID:booking-{booking}@bench.example",
            f"DTSTAMP:{start:%Y%m%dT%H%M%SZ}",
            f"DTSTART:{begins:%Y%m%dT%H%M%SZ}",
            f"DTEND:{begins + timedelta(hours=3):%Y%m%dT%H%M%SZ}",
            "SUMMARY:Booked",
            f"DESCRIPTION:Booking #{booking}\\nPassengers: 6",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


class _Server:
    def __init__(self, bodies: dict[str, bytes]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = bodies.get(self.path, b"")
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def _messages(count: int) -> list[bytes]:
    raws = []
    for i in range(count):
        name = list(BOOKING_SAMPLES)[i % len(BOOKING_SAMPLES)]
        raw = (SAMPLES / name).read_bytes()
        number = BOOKING_SAMPLES[name]
        if number:
            raw = raw.replace(number, str(int(number) + 1_000 + i).encode())
        raws.append(raw)
    return raws


def _seed_as_polled(feed: Any, body: bytes) -> None:
    from django.utils import timezone

    from bookings.models import Charter, CharterStatus
    from intake.ical import feed_items
    from intake.models import FeedEvent

    items = feed_items(body=body, zone=feed.source.brand.zone, now=timezone.now())
    charters = Charter.objects.bulk_create(
        [
            Charter(
                source=feed.source.kind,
                marketplace_booking_id=item.booking_id,
                brand=feed.source.brand,
                vessel=feed.vessel,
                guest_name=f"Boatsetter booking {item.booking_id}",
                party_size=item.party_size or 1,
                starts_at=item.starts_at,
                ends_at=item.ends_at,
                status=CharterStatus.INQUIRY,
            )
            for item in items
        ],
        batch_size=500,
    )
    FeedEvent.objects.bulk_create(
        [
            FeedEvent(
                feed=feed,
                uid=item.uid,
                fingerprint=item.fingerprint,
                booking_id=item.booking_id,
                summary=item.summary,
                starts_at=item.starts_at,
                ends_at=item.ends_at,
                charter=charter,
            )
            for item, charter in zip(items, charters, strict=True)
        ],
        batch_size=500,
    )


def run(ctx: Context) -> harness.Result:
    from django.core.management import call_command

    from bookings.models import Vessel
    from intake.demo import intake_seed_demo
    from intake.email_text import message_text
    from intake.feeds import feed_add, feed_poll
    from intake.models import IntakeFeed, VesselListing
    from intake.parsing import message_parse

    call_command("seed_demo", verbosity=0)
    sources = {s.name: s for s in intake_seed_demo()}
    feeds_count, events_count = ctx.size("intake_feeds"), ctx.size("intake_events")
    bodies = {f"/feed-{n}.ics": _calendar(n, events_count) for n in range(feeds_count)}
    server = _Server(bodies)
    feeds = []
    for n in range(feeds_count):
        vessel, _ = Vessel.objects.get_or_create(
            name=f"Bench {n:02d}", defaults={"slug": f"bench-{n:02d}", "capacity": 12}
        )
        VesselListing.objects.get_or_create(
            vessel=vessel, source=sources["boatsetter"], defaults={"name": f"Bench {n}"}
        )
        feeds.append(feed_add(source=sources["boatsetter"], vessel=vessel, url=f"{server.url}/feed-{n}.ics")[0])
    feeds = list(IntakeFeed.objects.select_related("source__brand", "vessel").filter(pk__in=[f.pk for f in feeds]))
    # The first poll of one feed goes through the product (its rate is reported); the other feeds
    # are seeded as a first poll leaves them (a charter and a linked event per booking), in bulk,
    # because importing 10,000 bookings one flow step at a time is not what is measured here.
    with harness.stopwatch() as importing:
        first = feed_poll(feed=feeds[0])
    imported = first.created
    ctx.log(f"intake: first poll imported {imported:,} charters from one feed in {importing():.1f} s")
    for feed in feeds[1:]:
        _seed_as_polled(feed, bodies[feed.url.removeprefix(server.url)])
    raws = _messages(ctx.size("intake_messages"))
    boatsetter, getmyboat = sources["boatsetter"], sources["getmyboat"]
    polls: list[list[Any]] = []
    parsed: list[int] = []

    def product() -> float:
        with harness.stopwatch() as elapsed:
            results = [feed_poll(feed=feed) for feed in feeds]
            found = 0
            for raw in raws:
                text = message_text(raw)
                source = getmyboat if "getmyboat" in text.sender else boatsetter
                found += message_parse(source=source, message=text).kind is not None
        polls.append(results)
        parsed.append(found)
        return harness.rate(sum(r.seen for r in results) + len(raws), elapsed())

    def baseline() -> float:
        with harness.stopwatch() as elapsed:
            seen = 0
            with httpx.Client(timeout=15) as client:
                for feed in feeds:
                    calendar = icalendar.Calendar.from_ical(client.get(feed.url).content)
                    seen += sum(1 for e in calendar.walk("VEVENT") if e.get("DTSTART") is not None)
            for raw in raws:
                body = BytesParser(policy=policy.default).parsebytes(raw).get_body(preferencelist=("plain", "html"))
                seen += body is not None and bool(body.get_content())
        return harness.rate(seen, elapsed())

    values = harness.alternate(
        rounds=ctx.rounds,
        product=product,
        baseline=baseline,
        on_run=lambda i, side, v: ctx.log(f"intake round {i + 1} {side}: {v:,.0f} items/s"),
    )
    server.httpd.shutdown()
    total_events = feeds_count * events_count
    return harness.Result(
        name="intake",
        what="poll marketplace iCal feeds (steady state) and parse marketplace e-mails",
        unit="items/s",
        higher_is_better=True,
        target=0.5,
        product=values[harness.PRODUCT],
        baseline=values[harness.BASELINE],
        sizes={"feeds": feeds_count, "events_per_feed": events_count, "messages": len(raws)},
        details={
            "first_poll_one_feed_seconds": round(importing(), 1),
            "first_poll_charters_per_second": round(imported / max(importing(), 1e-9), 1),
        },
        checks={
            "first poll imported every event of its feed": imported == events_count,
            "every poll saw every event and changed nothing": all(
                sum(r.seen for r in results) == total_events
                and not any(r.error or r.created or r.updated for r in results)
                for results in polls
            ),
            "every message recognised": set(parsed) == {len(raws)},
        },
    )
