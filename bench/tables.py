"""``tables``: the office's pages on a big database, each against a bare view of its unavoidable SQL.

The database (bench/bigdata.py, PostgreSQL ``COPY``) first holds ``tables_small`` charters
(1,000): every page's SQL queries are counted in-process (Django test client, same settings).
It then grows to ``tables`` charters (100,000; 5,000 with ``--quick``) with 5 audit entries,
2 crew assignments and (once the flow ran) 3 target rows each; the queries are counted again —
the check is that no page's count grew — and then gunicorn (2 sync workers) serves both sides:
one client sends sequential GETs, product and bare view alternating run by run, and the figure
is each side's p50 latency. Target: product p50 ≤ 2 × the bare view's (bench/views_tables.py).

Pages: the charter changelist (plain, searched, filtered *out of date*), one charter's change
page, the company calendar month, the admin index, the crew portal of a member with 300 events (20 with ``--quick``)
(its bare view is the portal bench's ``/bench/portal-bare``: the one ``by_crew`` Query) and a
month of the calendar API. The office pages are signed in as a staff user who passed the
second factor through allauth's own login and TOTP forms.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bench import bigdata, harness, stack
from bench.context import Context

PASSWORD = "bench-office-" + "x" * 20
SEARCH = "Okafor"


@dataclass
class Page:
    name: str
    product: str
    bare: str
    expect: Callable[[str, str], bool]  # (product body, bare body) → the product did the work
    headers: dict[str, str]


def _staff_cookie() -> str:
    """Sign a superuser in through allauth: password form, then the TOTP form (second factor)."""
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_superuser("bench-office", "office@bench.example", PASSWORD)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    client = Client()
    step = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    done = client.post(step["Location"], {"code": code})
    if done.status_code != 302 or "/2fa/" in done["Location"]:
        raise RuntimeError(f"the bench staff user could not pass the second factor ({done.status_code})")
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _crew_cookie() -> str:
    from django.conf import settings
    from django.test import Client

    from crew.models import CrewMember
    from crew.portal.auth import SESAME_BACKEND

    member = CrewMember.objects.get(email=bigdata.crew_email(bigdata.PORTAL_MEMBER))
    client = Client()
    client.force_login(member.user, backend=SESAME_BACKEND)  # the session crew sign-in makes
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _portal_events_write(count: int) -> None:
    """The portal member's events, four writes in flight (moto serves each request in a thread)."""
    from bench import events
    from crew.dynamo import crew_event_write, crew_events_table_ensure

    crew_events_table_ensure()

    def write(i: int) -> None:
        event = events.bench_event(i, crew=2, prefix="TABLES")
        event["crew"][0]["email"] = bigdata.crew_email(bigdata.PORTAL_MEMBER)
        crew_event_write(event)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(count)))


def _pages(*, staff: str, crew: str, charter_pk: int, code: str, today: date, events: int) -> list[Page]:
    from django.conf import settings

    month = today.replace(day=1).isoformat()
    last = (today.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    office = {"Cookie": staff}

    def count_matches(product: str, bare: str) -> bool:
        shown = re.search(r"(\d[\d,]*) results?", product) or re.search(r"(\d[\d,]*) charters?\b", product)
        return shown is not None and int(shown.group(1).replace(",", "")) == int(bare.split(" ", 1)[0])

    def codes_match(product: str, bare: str) -> bool:
        codes = [line.split(" ", 1)[0] for line in bare.splitlines()[1:] if line]
        return bool(codes) and all(f">{c}<" in product or f" {c} " in product for c in codes)

    api = f"from={month}&to={last.isoformat()}"
    return [
        Page("changelist", "/admin/bookings/charter/", "/bench/tables/changelist", codes_match, office),
        Page(
            "search",
            f"/admin/bookings/charter/?q={SEARCH}",
            f"/bench/tables/changelist?q={SEARCH}",
            codes_match,
            office,
        ),
        Page(
            "out_of_date",
            "/admin/bookings/charter/?targets=out_of_date",
            "/bench/tables/changelist?targets=out_of_date",
            codes_match,
            office,
        ),
        Page(
            "change",
            f"/admin/bookings/charter/{charter_pk}/change/",
            f"/bench/tables/change/{charter_pk}",
            lambda p, b: code in p and code in b,
            office,
        ),
        Page(
            "calendar_month",
            f"/admin/bookings/charter/calendar/?view=month&date={month}",
            f"/bench/tables/calendar-month?date={month}",
            lambda p, b: p.count('class="jada-chip') == int(b.split(" ", 1)[0]) > 0,
            office,
        ),
        Page(
            "admin_index",
            "/admin/",
            f"/bench/tables/index?date={today.isoformat()}",
            lambda p, b: 'id="jada-today"' in p and "Needs attention" in p,
            office,
        ),
        Page(
            "crew_portal",
            "/crew/",
            f"/bench/portal-bare?email={bigdata.crew_email(bigdata.PORTAL_MEMBER)}",
            lambda p, b: b.count("Sunset sail") == events and p.count("Sunset sail") >= events,
            {"Cookie": crew},
        ),
        Page(
            "calendar_api",
            f"/api/calendar?{api}",
            f"/bench/tables/calendar-api?{api}",
            lambda p, b: p.count('"charter_id"') == b.count('"charter_id"') > 0,
            {"X-Dashboard-Token": str(settings.DASHBOARD_TOKEN)},
        ),
    ]


def _queries(pages: list[Page], *, warm: bool) -> dict[str, int]:
    """SQL queries per product page, counted in-process (Django test client, same settings).

    ``warm`` first sends one uncounted GET, so first-request work (e.g. a cached table) is not
    counted as the page's; the second count, in the same process, follows an already warm one."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for page in pages:
        client = Client()
        headers = {k: v for k, v in page.headers.items() if k != "Cookie"}
        if "Cookie" in page.headers:
            name, value = page.headers["Cookie"].split("=", 1)
            client.cookies[name] = value
        if warm:
            client.get(page.product, headers=headers)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.product, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{page.product} answered {response.status_code} in-process")
        counts[page.name] = len(captured)
    return counts


def _latencies(
    client: Any, url: str, headers: dict[str, str], count: int, failures: list[str], *, seconds: float = 60
) -> list[float]:
    """Up to ``count`` sequential GETs, at least ``min(3, count)``, stopping once ``seconds`` have passed."""
    out: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(out) < count and (len(out) < 3 or time.perf_counter() < deadline):
        began = time.perf_counter()
        response = client.get(url, headers=headers)
        out.append(time.perf_counter() - began)
        if response.status_code != 200:
            failures.append(f"{url}: {response.status_code}")
    return out


def _measure(
    ctx: Context, client: Any, page: Page, requests: int, run_seconds: float
) -> tuple[dict[str, list[float]], dict[str, list[list[float]]], list[str], bool]:
    """Check the page (its first, warming GET per side), warm once more in a full run, then
    alternate runs of sequential GETs; p50 per run."""
    failures: list[str] = []
    product_body = client.get(page.product, headers=page.headers)
    bare_body = client.get(page.bare)
    did_work = product_body.status_code == 200 and page.expect(product_body.text, bare_body.text)
    if not ctx.quick:  # the second of two sync workers
        _latencies(client, page.product, page.headers, 1, failures, seconds=0)
        _latencies(client, page.bare, {}, 1, failures, seconds=0)
    samples: dict[str, list[list[float]]] = {harness.PRODUCT: [], harness.BASELINE: []}

    def measure(side: str, path: str, headers: dict[str, str]) -> float:
        values = _latencies(client, path, headers, requests, failures, seconds=run_seconds)
        samples[side].append(values)
        return harness.percentile(values, 0.5)

    values = harness.alternate(
        rounds=ctx.rounds,
        product=lambda: measure(harness.PRODUCT, page.product, page.headers),
        baseline=lambda: measure(harness.BASELINE, page.bare, {}),
    )
    return values, samples, failures, did_work


def run(ctx: Context) -> list[harness.Result]:
    """Setup steps that wait on other processes overlap: the portal's events go to moto in a thread
    while PostgreSQL builds the small database and staff sign in; gunicorn boots while it grows."""
    import httpx
    from django.utils import timezone

    from bookings.models import Charter

    small, big = ctx.size("tables_small"), ctx.size("tables")
    requests, run_seconds = (5, 0.3) if ctx.quick else (15, 1.2)
    events = ctx.size("tables_portal_events")
    with ThreadPoolExecutor(max_workers=1) as pool:
        events_written = pool.submit(_portal_events_write, events)
        fixtures = bigdata.fixtures_create()
        generated = {"small": bigdata.charters_add(small, fixtures=fixtures)}
        ctx.log(f"tables: {small:,} charters in {generated['small']['seconds']} s")
        target = Charter.objects.filter(status="confirmed", crew_assignments__isnull=False).order_by("pk").first()
        assert target is not None  # the generator always makes confirmed charters
        pages = _pages(
            staff=_staff_cookie(),
            crew=_crew_cookie(),
            charter_pk=target.pk,
            code=target.code,
            today=timezone.localdate(),
            events=events,
        )
        ctx.log("tables: signed in")
        events_written.result()  # every event is in before the crew portal is read
    ctx.log(f"tables: {events} portal events written")
    queries_small = _queries(pages, warm=True)
    results = []
    with (
        stack.gunicorn(ctx.size("site_port"), workers=2, log=ctx.workdir / "gunicorn-tables.log", wait=False) as url,
        httpx.Client(base_url=url, timeout=60, follow_redirects=False) as client,
    ):
        ctx.log("tables: queries counted at the small size")
        generated["big"] = bigdata.charters_add(big, first=small, fixtures=fixtures)
        ctx.log(f"tables: grown to {big:,} charters in {generated['big']['seconds']} s")
        queries_big = _queries(pages, warm=False)
        stack.wait_http(f"{url}/healthz")
        ctx.log("tables: queries counted at both sizes; gunicorn answers")
        for page in pages:
            values, samples, failures, did_work = _measure(ctx, client, page, requests, run_seconds)
            result = harness.Result(
                name=f"tables.{page.name}",
                what=f"GET {page.product} at {big:,} charters vs {page.bare}",
                unit="s p50",
                higher_is_better=False,
                target=2.0,
                product=values[harness.PRODUCT],
                baseline=values[harness.BASELINE],
                sizes={"charters": big, "small": small, "portal_events": events, "requests_per_run": requests},
                details={
                    "queries": {str(small): queries_small[page.name], str(big): queries_big[page.name]},
                    "generated": generated,
                    "latencies": samples,
                },
                checks={
                    "page shows the rows the bare view reads": did_work,
                    f"same SQL queries at {small:,} and {big:,} charters": queries_small[page.name]
                    == queries_big[page.name],
                    "no errors": not failures,
                },
            )
            ctx.log(
                f"{result.name}: product {result.product_median * 1000:.1f} ms, bare {result.baseline_median * 1000:.1f}"
                f" ms, ratio {result.ratio:.2f}; queries {queries_small[page.name]} → {queries_big[page.name]}"
            )
            results.append(result)
    return results
