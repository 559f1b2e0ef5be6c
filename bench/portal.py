"""``portal``: a crew member's charter list under load vs a bare Django view on the same server.

gunicorn (2 sync workers) on loopback serves the bench URL conf; ``wrk`` sends GETs with a
signed-in crew member's session cookie. Product: ``/crew/`` — session, the member's row, one
``by_crew`` Query through ``crew.dynamo.crew_events_for_member``, allow-list, template. Baseline:
``/bench/portal-bare`` — the same Query with the low-level client in a bare view (bench/views.py),
no session, no template. Unit: requests per second. Also checked: the page really is the
member's list (not a redirect to the login page), and its SQL query count does not grow with
the number of events.
"""

from __future__ import annotations

from typing import Any

from bench import events, harness, stack
from bench.context import Context
from bench.load import get_script, wrk_run

CONNECTIONS = 4
MEMBER_EMAIL = "portal.bench@bench.example"


def _member() -> Any:
    from django.contrib.auth import get_user_model

    from crew.models import CrewMember

    user = get_user_model().objects.create_user(username=MEMBER_EMAIL, email=MEMBER_EMAIL)
    user.set_unusable_password()
    user.save()
    return CrewMember.objects.create(user=user, name="Portal Bench", email=MEMBER_EMAIL, roles=["captain"])


def _events_write(first: int, count: int) -> None:
    from crew.dynamo import crew_event_write

    for i in range(first, first + count):
        event = events.bench_event(i, crew=2, prefix="PORTAL")
        event["crew"][0]["email"] = MEMBER_EMAIL
        crew_event_write(event)


def _session_cookie(member: Any) -> str:
    from django.conf import settings
    from django.test import Client

    from crew.portal.auth import SESAME_BACKEND

    client = Client()
    client.force_login(member.user, backend=SESAME_BACKEND)  # the session crew sign-in makes
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _queries(cookie: str) -> int:
    """SQL queries one ``/crew/`` page costs, counted in-process with the same settings."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    name, value = cookie.split("=", 1)
    client = Client()
    client.cookies[name] = value
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/crew/")
    if response.status_code != 200:
        raise RuntimeError(f"/crew/ answered {response.status_code} in-process")
    return len(captured)


def run(ctx: Context) -> harness.Result:
    import httpx

    from crew.dynamo import crew_events_table_ensure

    crew_events_table_ensure()
    wrk = stack.wrk_path()
    seconds = ctx.size("portal_seconds")
    per_page = ctx.size("portal_events")
    member = _member()
    cookie = _session_cookie(member)
    _events_write(0, per_page // 2)
    queries_half = _queries(cookie)
    _events_write(per_page // 2, per_page - per_page // 2)
    queries_full = _queries(cookie)
    runs: dict[str, list[dict[str, Any]]] = {harness.PRODUCT: [], harness.BASELINE: []}
    with stack.gunicorn(ctx.size("site_port"), workers=2, log=ctx.workdir / "gunicorn-portal.log") as url:
        page = httpx.get(f"{url}/crew/", headers={"Cookie": cookie}, follow_redirects=False, timeout=30)
        title = events.bench_event(per_page - 1, prefix="PORTAL")["title"]
        shows_list = page.status_code == 200 and title in page.text
        bare = f"{url}/bench/portal-bare?email={MEMBER_EMAIL}"
        bare_ok = httpx.get(bare, timeout=30).text.count("Sunset sail") == per_page

        def measure(side: str, target: str, headers: dict[str, str]) -> float:
            summary = wrk_run(wrk, target, seconds=seconds, connections=CONNECTIONS, script=get_script(headers=headers))
            runs[side].append(summary)
            return float(summary["requests_per_second"])

        wrk_run(wrk, f"{url}/crew/", seconds=1, connections=CONNECTIONS, script=get_script(headers={"Cookie": cookie}))
        wrk_run(wrk, bare, seconds=1, connections=CONNECTIONS)
        values = harness.alternate(
            rounds=ctx.rounds,
            product=lambda: measure(harness.PRODUCT, f"{url}/crew/", {"Cookie": cookie}),
            baseline=lambda: measure(harness.BASELINE, bare, {}),
            on_run=lambda i, side, v: ctx.log(f"portal round {i + 1} {side}: {v:,.1f} req/s"),
        )
    return harness.Result(
        name="portal",
        what="a crew member's charter list (/crew/) under load, gunicorn 2 workers",
        unit="req/s",
        higher_is_better=True,
        target=0.5,
        product=values[harness.PRODUCT],
        baseline=values[harness.BASELINE],
        sizes={"events_on_page": per_page, "seconds_per_run": seconds, "connections": CONNECTIONS},
        details={"queries_per_page": {str(per_page // 2): queries_half, str(per_page): queries_full}, "wrk": runs},
        checks={
            "page is the member's list": shows_list,
            "baseline reads the same events": bare_ok,
            "queries per page constant": queries_half == queries_full,
            "no errors": all(r["non_2xx"] == 0 and r["socket_errors"] == 0 for side in runs.values() for r in side),
        },
    )
