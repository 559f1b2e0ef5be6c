"""``drift``: the drift report over every live charter vs the fewest reads that answer it.

Product: ``bookings.reconcile.drift_report_create()`` over N live charters whose three targets
were delivered (guest page in the brand's bucket, calendar entry, crew event), a few of them
drifted behind the product's back; it asks ``guestpages`` (one ListObjectsV2 walk per bucket,
whose ETags are compared with the ones recorded for our writes; a HEAD only where they differ)
and the two API clients (gunicorn serving the calendar and SCC APIs: the calendar as one range,
SCC events a hundred per request).
Baseline: the fewest reads, bare clients and nothing else — the listing walks with the boto3
client (each ETag compared with the one the seeding's write answered), the calendar range with httpx, the events with ``BatchGetItem`` (100 keys)
straight from DynamoDB — each answer compared with the expected fingerprint/fields computed
before the clock. Unit: charters checked per second.

Checks: the report finds exactly the planted drift (and the baseline the same charters), and the
product makes at most one remote read per charter per target, amortised, and HEADs only the
planted page: counted with botocore
event hooks (S3 calls by operation) and from gunicorn's access log (calendar and SCC requests).
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench import harness, stack
from bench.charters import demo_aws_ready
from bench.context import Context

VESSELS = 10
HOURS_APART = 8  # per vessel: 1,000 charters a vessel span 333 days, inside the calendar window
SEED_THREADS = 8


def _charters(count: int) -> list[Any]:
    """``count`` confirmed charters over both brands and ``VESSELS`` vessels (no two overlap)."""
    from django.utils import timezone

    from bookings.models import Brand, Charter, Vessel
    from bookings.payloads import crew_assignments_prefetch

    brands = list(Brand.objects.exclude(bucket="").order_by("pk"))
    vessels = [
        Vessel.objects.get_or_create(name=f"Drift {n}", defaults={"capacity": 12, "slug": f"drift-{n}"})[0]
        for n in range(VESSELS)
    ]
    start = timezone.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=1)
    rows = [
        Charter(
            brand=brands[i % len(brands)],
            vessel=vessels[i % VESSELS],
            guest_name=f"Guest drift {i}",
            guest_email=f"guest{i}@drift.example",
            party_size=6,
            starts_at=start + timedelta(hours=HOURS_APART * (i // VESSELS)),
            ends_at=start + timedelta(hours=HOURS_APART * (i // VESSELS) + 3),
            meeting_point="Dock 7, Shelter Island Marina",
            status="confirmed",
            gross_revenue=Decimal("1450.00"),
            captain_fee=Decimal("300.00"),
            # Each charter's own notes: the scrub of one is no help to the next (it is cached per text).
            crew_notes=f"Meet Guest drift {i} at dock 7 at 14:00, party of 6. Captain fee $300.",
        )
        for i in range(count)
    ]
    pks = [c.pk for c in Charter.objects.bulk_create(rows, batch_size=1000)]
    charters = Charter.objects.filter(pk__in=pks).select_related("brand", "vessel")
    return list(charters.prefetch_related(crew_assignments_prefetch()).order_by("pk"))


def _deliver(charters: list[Any]) -> dict[str, dict[str, Any]]:
    """Every target delivered, in bulk: target rows synced with their fingerprints, the S3 objects
    (fingerprint metadata), calendar store rows and DynamoDB items. Returns what each should hold."""
    from django.utils import timezone

    from bookings.calendar_api import CalendarEntryIn
    from bookings.models import CalendarEntry, InternalCalendarEvent
    from bookings.payloads import TARGET_KINDS, calendar_entry_payload, crew_event_payload, target_fingerprint
    from crew.dynamo import crew_event_id
    from crew.dynamo_sweep import crew_events_backfill
    from crew.models import CrewEvent
    from guestpages.models import GuestPage
    from guestpages.services import FINGERPRINT_META, STATE_META, guest_page_object_key
    from jada.aws import aws_client
    from jada.models import SyncState

    now = timezone.now()
    want: dict[str, dict[str, Any]] = {}
    for c in charters:
        want[c.code] = {
            "bucket": c.brand.bucket,
            "region": c.brand.region,
            "key": guest_page_object_key(c),
            "calendar_entry": calendar_entry_payload(c),
            "crew_event": crew_event_payload(c),
            "fingerprints": {kind: target_fingerprint(kind, c) for kind in TARGET_KINDS},
        }

    def synced(c: Any, kind: str) -> dict[str, Any]:
        fingerprint = want[c.code]["fingerprints"][kind]
        return {
            "charter": c,
            "sync_state": SyncState.SYNCED,
            "last_synced_at": now,
            "delivered_fingerprint": fingerprint,
            "wanted_fingerprint": fingerprint,
        }

    CalendarEntry.objects.bulk_create((CalendarEntry(**synced(c, "calendar_entry")) for c in charters), batch_size=1000)
    CrewEvent.objects.bulk_create(
        (CrewEvent(remote_id=crew_event_id(c.code), **synced(c, "crew_event")) for c in charters), batch_size=1000
    )

    def put(code: str) -> None:
        w = want[code]
        w["etag"] = aws_client("s3", region=w["region"]).put_object(
            Bucket=w["bucket"],
            Key=w["key"],
            Body=f"<html>{code}</html>".encode(),
            ContentType="text/html; charset=utf-8",
            Metadata={FINGERPRINT_META: w["fingerprints"]["guest_page"], STATE_META: "live"},
        )["ETag"]

    with ThreadPoolExecutor(max_workers=SEED_THREADS) as pool:
        list(pool.map(put, list(want)))
    GuestPage.objects.bulk_create(
        (
            GuestPage(
                object_key=want[c.code]["key"],
                bucket=c.brand.bucket,
                published_version=1,
                etag=want[c.code]["etag"],  # what the product's own write records
                **synced(c, "guest_page"),
            )
            for c in charters
        ),
        batch_size=1000,
    )
    InternalCalendarEvent.objects.bulk_create(
        (
            InternalCalendarEvent(charter_id=code, **CalendarEntryIn(**w["calendar_entry"]).stored_fields())
            for code, w in want.items()
        ),
        batch_size=1000,
    )
    crew_events_backfill(
        {**w["crew_event"], "id": crew_event_id(code), "version": 1, "updated_at": now.isoformat()}
        for code, w in want.items()
    )
    return want


def _plant(charters: list[Any], want: dict[str, dict[str, Any]]) -> set[tuple[str, str, str]]:
    """Change three targets behind the product's back; returns the findings that must appear."""
    from bookings.models import InternalCalendarEvent
    from crew.dynamo import crew_event_id, crew_event_write
    from guestpages.services import FINGERPRINT_META, STATE_META
    from jada.aws import aws_client

    page, calendar, crew = charters[7].code, charters[len(charters) // 2].code, charters[-3].code
    w = want[page]
    aws_client("s3", region=w["region"]).put_object(
        Bucket=w["bucket"],
        Key=w["key"],
        Body=b"<html>defaced</html>",
        Metadata={FINGERPRINT_META: "x", STATE_META: "live"},
    )
    InternalCalendarEvent.objects.filter(charter_id=calendar).update(meeting_point="Somewhere else")
    crew_event_write({**want[crew]["crew_event"], "id": crew_event_id(crew), "version": 2, "notes": "Dock 9 now."})
    return {
        (page, "guest_page", "content_differs"),
        (calendar, "calendar_entry", "content_differs"),
        (crew, "crew_event", "content_differs"),
    }


class _S3Reads:
    """Counts the S3 calls of this process's clients by operation (botocore ``before-call`` hook)."""

    def __init__(self, regions: set[str]) -> None:
        from jada.aws import aws_client

        self.calls: Counter[str] = Counter()
        for region in regions:
            aws_client("s3", region=region).meta.events.register("before-call.s3.*", self._seen)

    def _seen(self, model: Any, **_kwargs: Any) -> None:
        self.calls[model.name] += 1


def _api_requests(log: Any, since: int) -> Counter[str]:
    """Calendar and SCC requests in gunicorn's access log after byte ``since``, by route: those
    answered (status < 400) count as reads; any other (a 5xx the client retried under load) is
    counted apart, as ``<route> failed``."""
    counted: Counter[str] = Counter()
    with open(log, "rb") as f:
        f.seek(since)
        for line in f.read().decode(errors="replace").splitlines():
            for route in ("/api/calendar", "/api/scc/events"):
                if f'"GET {route}' in line:
                    status = line.split('" ', 1)[1].split(" ", 1)[0] if '" ' in line else ""
                    counted[route if status.isdigit() and int(status) < 400 else f"{route} failed"] += 1
    return counted


def _baseline(want: dict[str, dict[str, Any]], *, url: str, http: Any) -> set[str]:
    """The fewest reads, bare clients: the listings (ETags), one calendar range, BatchGetItem."""
    from django.conf import settings
    from django.utils import timezone

    from bookings.reconcile import CALENDAR_WINDOW
    from crew.dynamo import EVENT_SK, crew_event_id, event_pk
    from jada.aws import aws_client

    drifted: set[str] = set()

    def buckets() -> None:
        listed: dict[tuple[str, str], str] = {}
        for bucket, region in {(w["bucket"], w["region"]) for w in want.values()}:
            for page in aws_client("s3", region=region).get_paginator("list_objects_v2").paginate(Bucket=bucket):
                listed.update(((bucket, item["Key"]), item["ETag"]) for item in page.get("Contents", []))
        drifted.update(code for code, w in want.items() if listed.get((w["bucket"], w["key"])) != w["etag"])

    # S3 in a thread of its own while the calendar and DynamoDB are read, as the product does.
    with ThreadPoolExecutor(max_workers=1) as s3:
        pages = s3.submit(buckets)
        today = timezone.localdate()
        span = {"from": (today - CALENDAR_WINDOW[0]).isoformat(), "to": (today + CALENDAR_WINDOW[1]).isoformat()}
        answer = http.get(f"{url}/api/calendar", params=span, headers={"X-Dashboard-Token": stack.DASHBOARD_TOKEN})
        for entry in answer.raise_for_status().json()["entries"]:
            if entry["meeting_point"] != want[entry["charter_id"]]["calendar_entry"]["meeting_point"]:
                drifted.add(entry["charter_id"])
        ddb, table, codes = aws_client("dynamodb"), settings.CREW_EVENTS_TABLE, list(want)
        for start in range(0, len(codes), 100):
            keys = [
                {"pk": {"S": event_pk(crew_event_id(c))}, "sk": {"S": EVENT_SK}} for c in codes[start : start + 100]
            ]
            while keys:
                response = ddb.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})
                for item in response["Responses"][table]:
                    if item["notes"]["S"] != want[item["charter_ref"]["S"]]["crew_event"]["notes"]:
                        drifted.add(item["charter_ref"]["S"])
                keys = (response.get("UnprocessedKeys") or {}).get(table, {}).get("Keys", [])
        pages.result()
    return drifted


def run(ctx: Context) -> harness.Result:
    import httpx

    from bookings.reconcile import drift_report_create
    from crew.client import scc_client

    demo_aws_ready()
    count = ctx.size("drift")
    with harness.stopwatch() as seeding:
        charters = _charters(count)
        want = _deliver(charters)
        planted = _plant(charters, want)
    ctx.log(f"drift: {count:,} live charters delivered and {len(planted)} drifted in {seeding():.1f} s")
    reads = _S3Reads({w["region"] for w in want.values()})
    log = ctx.workdir / "gunicorn-drift.log"
    os.environ["JADA_BENCH_ACCESS_LOG"] = "1"  # gunicorn logs each request: the API reads are counted there
    found: list[set[tuple[str, str, str]]] = []
    per_run: list[dict[str, int]] = []
    baseline_found: list[set[str]] = []
    try:
        with stack.gunicorn(ctx.size("site_port"), workers=2, log=log) as url, httpx.Client(timeout=60) as http:

            def product() -> float:
                reads.calls.clear()
                since = log.stat().st_size
                with harness.stopwatch() as elapsed:
                    report = drift_report_create()
                seconds = elapsed()
                found.append({(f["charter"], f["target"], f["kind"]) for f in report.findings})
                per_run.append({**reads.calls, **_api_requests(log, since)})
                return harness.rate(count, seconds)

            def baseline() -> float:
                with harness.stopwatch() as elapsed:
                    baseline_found.append(_baseline(want, url=url, http=http))
                return harness.rate(count, elapsed())

            # Warm both web workers (imports, bcrypt once, both API routes) outside the clock.
            baseline()
            baseline_found.clear()
            scc_client().events_find(list(want)[:400])
            values = harness.alternate(
                rounds=ctx.rounds,
                product=product,
                baseline=baseline,
                on_run=lambda i, side, v: ctx.log(f"drift round {i + 1} {side}: {v:,.0f} charters/s"),
            )
    finally:
        os.environ.pop("JADA_BENCH_ACCESS_LOG", None)
    buckets = len({w["bucket"] for w in want.values()})
    listing_pages = buckets * (count // buckets // 1000 + 1)
    worst = {k: max(run.get(k, 0) for run in per_run) for k in {k for run in per_run for k in run}}
    return harness.Result(
        name="drift",
        what="drift report over every live charter (S3 metadata, calendar range, SCC events)",
        unit="charters/s",
        higher_is_better=True,
        target=0.7,
        product=values[harness.PRODUCT],
        baseline=values[harness.BASELINE],
        sizes={"charters": count, "buckets": buckets, "vessels": VESSELS},
        details={"product_reads_per_run": per_run, "planted": sorted(map(list, planted))},
        checks={
            "exactly the planted drift found": all(f == planted for f in found),
            "baseline found the same charters": all(b == {p[0] for p in planted} for b in baseline_found),
            "≤ 1 read per charter per target, amortised": (
                worst.get("HeadObject", 0) <= 1  # the defaced page only: every other listed ETag is ours
                and worst.get("ListObjectsV2", 0) <= listing_pages
                and worst.get("/api/calendar", 0) <= 1
                and worst.get("/api/scc/events", 0) <= -(-count // 100)
                and sum(v for k, v in worst.items() if not k.endswith("failed")) - worst.get("ListObjectsV2", 0)
                <= count + 1 + -(-count // 100)
            ),
        },
    )
