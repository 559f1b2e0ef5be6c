"""``api``: ``POST /api/scc/events`` under load with a valid key vs the same view without auth.

gunicorn (2 sync workers) on loopback serves the bench URL conf; ``wrk`` posts a new event per
request (a Lua counter makes each ``charter_ref`` unique, so every request is a real create:
read, conditional writes, scrub task enqueued). Product: the real route with a valid
``X-Service-Key`` (bcrypt cost 12). Baseline: the same view with the key check switched off
(bench/views.py). The key is verified once per worker and then remembered, so the ratio should
be close to 1; a check confirms the product's rate is far above what per-request bcrypt allows.
Unit: requests per second.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bench import events, harness, stack
from bench.context import Context
from bench.load import wrk_run

CONNECTIONS = 4


def _lua(prefix: str, key: str | None) -> str:
    body = {k: v for k, v in events.bench_event(0).items() if k not in ("id", "version", "updated_at")}
    body["charter_ref"] = "@REF@"
    template = json.dumps(body).replace("%", "%%").replace("@REF@", "%s")
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["X-Service-Key"] = key
    header_lines = "".join(f"headers[{json.dumps(n)}] = {json.dumps(v)}\n" for n, v in headers.items())
    return (
        "local counter = 0\n"
        "headers = {}\n"
        f"{header_lines}"
        f"local template = {json.dumps(template)}\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        f'  return wrk.format("POST", nil, headers, string.format(template, "{prefix}" .. counter))\n'
        "end\n"
    )


def run(ctx: Context) -> harness.Result:
    import bcrypt
    from django.conf import settings

    from crew.dynamo import crew_events_table_ensure

    crew_events_table_ensure()
    wrk = stack.wrk_path()
    seconds = ctx.size("api_seconds")
    started = time.perf_counter()
    bcrypt.checkpw(stack.SERVICE_KEY.encode(), str(settings.SERVICE_KEY_HASH).encode())
    bcrypt_seconds = time.perf_counter() - started
    runs: dict[str, list[dict[str, Any]]] = {harness.PRODUCT: [], harness.BASELINE: []}
    with stack.gunicorn(ctx.size("site_port"), workers=2, log=ctx.workdir / "gunicorn-api.log") as url:
        counter = iter(range(1, 1000))

        def measure(side: str, path: str, key: str | None) -> float:
            prefix = f"API{'P' if side == harness.PRODUCT else 'B'}{next(counter)}X"
            summary = wrk_run(wrk, url + path, seconds=seconds, connections=CONNECTIONS, script=_lua(prefix, key))
            runs[side].append(summary)
            return float(summary["requests_per_second"])

        # Warm both workers (imports, first bcrypt) outside the measurement.
        wrk_run(
            wrk, url + "/api/scc/events", seconds=1, connections=CONNECTIONS, script=_lua("APIW", stack.SERVICE_KEY)
        )
        values = harness.alternate(
            rounds=ctx.rounds,
            product=lambda: measure(harness.PRODUCT, "/api/scc/events", stack.SERVICE_KEY),
            baseline=lambda: measure(harness.BASELINE, "/bench/scc-events-unauthenticated", None),
            on_run=lambda i, side, v: ctx.log(f"api round {i + 1} {side}: {v:,.1f} req/s"),
        )
    stack.redis_flush()  # the scrub tasks the creates enqueued; no worker runs here
    per_request_bcrypt_ceiling = 2 / bcrypt_seconds
    product_median = harness.median(values[harness.PRODUCT])
    return harness.Result(
        name="api",
        what="POST /api/scc/events under load with a valid key (bcrypt cost 12)",
        unit="req/s",
        higher_is_better=True,
        target=0.8,
        product=values[harness.PRODUCT],
        baseline=values[harness.BASELINE],
        sizes={"seconds_per_run": seconds, "connections": CONNECTIONS, "gunicorn_workers": 2},
        details={"bcrypt_seconds": round(bcrypt_seconds, 3), "wrk": runs},
        checks={
            "no errors": all(r["non_2xx"] == 0 and r["socket_errors"] == 0 for side in runs.values() for r in side),
            "bcrypt not per request": product_median > 3 * per_request_bcrypt_ceiling,
        },
    )
