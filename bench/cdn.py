"""``cdn``: a brand's theme edit re-publishes its 5,000 pages within CloudFront's limits.

Product: what saving a brand's theme in the admin does — in one transaction, the brand row
saved and ``bookings.flow.brand_follow`` (every live page marked pending, the bulk push enqueued
on commit) — then a real Celery worker runs ``bookings.tasks.push_brand_pages``: claim, render,
write each page through the brand's storage, and, past ``BULK_WILDCARD_AFTER`` pages, one
wildcard invalidation for the lot. Timed from just before the save to the last page recorded
synced (database timestamps, so polling adds nothing). Baseline: the same rendered bytes, in the
same single stream, with bare ``put_object`` (to a ``baseline/`` copy of each key, so the
product's objects are checked untouched) and one ``CreateInvalidation`` of the two wildcards.
The baseline writes one page in five (its rate is per page, and writing all 5,000 twice more
would not fit the budget). Unit: pages per second.

Checked where it lands, on every product run: the invalidations the distribution received
(listed from the stand-in, paths counted: ≤ 4, wildcard paths ≤ 15 and file paths ≤ 3,000 even
if none had completed yet), and every page's object holding the new theme (its ETag is the
MD5 of the expected bytes: one ListObjectsV2 page per 1,000 keys instead of 5,000 GETs).
"""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench import harness, stack
from bench.charters import charters_create, demo_aws_ready
from bench.context import Context

BASELINE_FRACTION = 5  # the baseline writes one page in five (its rate is per page)…
BASELINE_MIN = 250  # …but at least this many, so a run is not over in a second
COLOURS = ("#aa0055", "#0055aa", "#55aa00", "#aa5500", "#5500aa", "#00aa55")
PATHS_PER_REPUBLISH_MAX = 4
WILDCARDS_IN_FLIGHT_MAX = 15  # CloudFront: wildcard paths in progress per distribution
FILE_PATHS_IN_FLIGHT_MAX = 3_000  # CloudFront: file paths in progress per distribution
DONE_TIMEOUT_SECONDS = 300


def _rows_seed(charters: list[Any], brand: Any) -> None:
    """What a brand whose pages are all published holds: every guest-page row synced and current.

    No calendar-entry or crew-event rows: a theme edit must not look at them, and if it did it
    would create them and report them (the "only pages re-pushed" check).
    """
    from django.utils import timezone

    from bookings.payloads import target_fingerprint
    from guestpages.models import GuestPage
    from guestpages.services import guest_page_object_key, guest_page_public_url

    now = timezone.now()
    rows = []
    for c in charters:
        fp, url = target_fingerprint("guest_page", c), guest_page_public_url(c)
        rows.append(
            GuestPage(
                charter=c,
                sync_state="synced",
                last_synced_at=now,
                delivered_fingerprint=fp,
                wanted_fingerprint=fp,
                bucket=brand.bucket,
                object_key=guest_page_object_key(c),
                public_url=url,
                published_version=1,
                remote_id=url,
            )
        )
    GuestPage.objects.bulk_create(rows, batch_size=1000)


def _render_all(charters: list[Any], brand: Any) -> list[tuple[str, bytes]]:
    """(key, bytes) of every charter's page as the brand row ``brand`` renders it."""
    from guestpages.cloudfront import guest_page_key
    from guestpages.render import guest_page_render

    out = []
    for c in charters:
        c.brand = brand
        out.append((guest_page_key(brand.guest_page_key_template, c.code), guest_page_render(c).encode()))
    return out


def _put(s3: Any, bucket: str, key: str, body: bytes) -> None:
    from guestpages.storage import GUEST_PAGE_CACHE_CONTROL

    s3.put_object(
        Bucket=bucket, Key=key, Body=body, ContentType="text/html; charset=utf-8", CacheControl=GUEST_PAGE_CACHE_CONTROL
    )


def _invalidations(cloudfront: Any, distribution_id: str) -> dict[str, list[str]]:
    """Every invalidation the distribution received: id → paths (all pages of the listing)."""
    found: dict[str, list[str]] = {}
    for page in cloudfront.get_paginator("list_invalidations").paginate(DistributionId=distribution_id):
        for summary in page["InvalidationList"].get("Items", []) or []:
            if summary["Id"] not in found:
                full = cloudfront.get_invalidation(DistributionId=distribution_id, Id=summary["Id"])
                found[summary["Id"]] = list(full["Invalidation"]["InvalidationBatch"]["Paths"].get("Items") or [])
    return found


def _etags(s3: Any, bucket: str, prefix: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        tags.update({item["Key"]: item["ETag"].strip('"') for item in page.get("Contents", [])})
    return tags


def _wait_synced(charters: list[Any], started: Any) -> Any:
    """The moment the last of ``charters``' pages was recorded synced with what it now wants."""
    from django.db.models import F, Max

    from guestpages.models import GuestPage

    rows = GuestPage.objects.filter(charter__in=charters)
    deadline = time.monotonic() + DONE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        done = rows.filter(
            sync_state="synced", last_synced_at__gte=started, delivered_fingerprint=F("wanted_fingerprint")
        )
        if done.count() == len(charters):
            return done.aggregate(last=Max("last_synced_at"))["last"]
        time.sleep(0.05)
    raise TimeoutError(f"the brand's pages were not all synced within {DONE_TIMEOUT_SECONDS} s")


def _worker_warm(brand: Any, staff: Any) -> None:
    """One small re-publish of the other brand, untimed: the worker's imports, templates and
    clients are loaded before the first measured run, as in a worker that has been up a while."""
    from django.db import transaction
    from django.utils import timezone

    from bookings import flow
    from bookings.models import Brand

    other = Brand.objects.exclude(pk=brand.pk).filter(distribution_id__gt="").exclude(bucket="").first()
    if other is None:
        return
    charters = charters_create(1, brand=other, label="cdnwarm")
    _rows_seed(charters, other)
    started = timezone.now()
    with transaction.atomic():
        other.theme_primary_color = COLOURS[-1]
        other.save()
        flow.brand_follow(brand=other, actor=staff, changed=["theme_primary_color"])
    _wait_synced(charters, started)


def run(ctx: Context) -> harness.Result:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from bookings import flow
    from bookings.models import Brand
    from jada.aws import aws_client

    stack.redis_flush()
    brand = demo_aws_ready()
    count = ctx.size("cdn_pages")
    sample = max(count // BASELINE_FRACTION, min(count, BASELINE_MIN))
    charters = charters_create(count, brand=brand, label="cdn")
    _rows_seed(charters, brand)
    s3, cloudfront = aws_client("s3", region=brand.region), aws_client("cloudfront")
    with ThreadPoolExecutor(max_workers=8) as pool:  # the pages as published before the edit
        list(pool.map(lambda kb: _put(s3, brand.bucket, *kb), _render_all(charters, brand)))
    staff = get_user_model().objects.create_user(username="cdn.bench", email="cdn.bench@bench.example", is_staff=True)
    prefix = brand.guest_page_key_template.split("{code}")[0]
    per_run: list[dict[str, Any]] = []
    expected: dict[int, list[tuple[str, bytes]]] = {}

    def round_bytes(index: int) -> list[tuple[str, bytes]]:
        # The pages as the *next* theme renders them (untimed): the baseline's bytes and the check's.
        if index not in expected:
            edited = Brand.objects.get(pk=brand.pk)
            edited.theme_primary_color = COLOURS[index % len(COLOURS)]
            expected[index] = _render_all(charters, edited)
        return expected[index]

    def product(index: int) -> float:
        colour = COLOURS[index % len(COLOURS)]
        before = set(_invalidations(cloudfront, brand.distribution_id))
        edited = Brand.objects.get(pk=brand.pk)
        started = timezone.now()
        with transaction.atomic():  # what BrandAdmin.save_model does
            edited.theme_primary_color = colour
            edited.save()
            followed = flow.brand_follow(brand=edited, actor=staff, changed=["theme_primary_color"])
        saved = (timezone.now() - started).total_seconds()
        finished = _wait_synced(charters, started)
        seconds = (finished - started).total_seconds()
        new = {i: p for i, p in _invalidations(cloudfront, brand.distribution_id).items() if i not in before}
        paths = [p for ps in new.values() for p in ps]
        tags = _etags(s3, brand.bucket, prefix)
        written = sum(tags.get(key) == hashlib.md5(body).hexdigest() for key, body in round_bytes(index))  # noqa: S324
        per_run.append(
            {
                "seconds": round(seconds, 2),
                "save_seconds": round(saved, 2),
                "pages_marked": followed["pages"],
                "other_targets": followed["other_targets"],
                "invalidations": len(new),
                "paths": len(paths),
                "wildcard_paths": sum("*" in p for p in paths),
                "pages_written": written,
            }
        )
        return harness.rate(count, seconds)

    def baseline(index: int) -> float:
        pages = round_bytes(index)[:sample]
        with harness.stopwatch() as elapsed:
            for key, body in pages:
                _put(s3, brand.bucket, f"baseline/{key}", body)
            cloudfront.create_invalidation(
                DistributionId=brand.distribution_id,
                InvalidationBatch={
                    "Paths": {"Quantity": 2, "Items": ["/g/*", f"/baseline/{prefix}*"]},
                    "CallerReference": f"bench-cdn-baseline-{index}",
                },
            )
        return harness.rate(len(pages), elapsed())

    runs = {harness.PRODUCT: 0, harness.BASELINE: 0}

    def side(name: str, fn: Any) -> float:
        # A side's n-th run belongs to round n: both sides of a round share its colour and bytes.
        index = runs[name]
        runs[name] += 1
        return float(fn(index))

    with stack.celery_worker(concurrency=1, log=ctx.workdir / "celery-cdn.log"):
        _worker_warm(brand, staff)
        values = harness.alternate(
            rounds=ctx.rounds,
            product=lambda: side(harness.PRODUCT, product),
            baseline=lambda: side(harness.BASELINE, baseline),
            on_run=lambda i, s, v: ctx.log(f"cdn round {i + 1} {s}: {v:,.0f} pages/s"),
        )
    worst_paths = max(r["paths"] for r in per_run)
    return harness.Result(
        name="cdn",
        what="a brand's theme edit re-publishes all its pages (worker, wildcard invalidation)",
        unit="pages/s",
        higher_is_better=True,
        # The product pays what the baseline does not: the admin save marking every row, claiming
        # rows in batches, recording each delivered; 0.7 as for `publish`, the same write path.
        target=0.7,
        product=values[harness.PRODUCT],
        baseline=values[harness.BASELINE],
        sizes={"pages": count, "baseline_sample": sample},
        details={"per_run": per_run},
        checks={
            f"≤ {PATHS_PER_REPUBLISH_MAX} paths": worst_paths <= PATHS_PER_REPUBLISH_MAX,
            f"≤ {WILDCARDS_IN_FLIGHT_MAX} wildcards in flight": sum(r["wildcard_paths"] for r in per_run)
            <= WILDCARDS_IN_FLIGHT_MAX,
            f"≤ {FILE_PATHS_IN_FLIGHT_MAX} file paths in flight": sum(r["paths"] - r["wildcard_paths"] for r in per_run)
            <= FILE_PATHS_IN_FLIGHT_MAX,
            "every page written": all(r["pages_written"] == count for r in per_run),
            "only pages re-pushed": all(r["other_targets"] == 0 for r in per_run),
        },
    )
