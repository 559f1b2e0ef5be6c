"""``publish``: publish many guest pages in bulk vs ``put_object`` of the same bytes.

Product: a brand's bulk re-publish, ``bookings.targets_bulk.guest_pages_push_bulk`` after
``guest_pages_mark_pending`` (what saving a brand's theme does) — per page: claim the row,
render the brand-themed page, write it through the brand's django-storages backend with its
fingerprint, record it delivered; per batch: one CloudFront invalidation. Baseline: the same
rendered bytes (rendered before the clock starts) to the same keys with the low-level S3
client's ``put_object`` and the same Content-Type and Cache-Control. Unit: pages per second.
"""

from __future__ import annotations

from typing import Any

from bench import harness
from bench.charters import charters_create, demo_aws_ready
from bench.context import Context


def run(ctx: Context) -> harness.Result:
    from bookings.models import Charter
    from bookings.targets_bulk import guest_pages_mark_pending, guest_pages_push_bulk
    from guestpages.cloudfront import guest_page_key
    from guestpages.models import GuestPage
    from guestpages.render import guest_page_render
    from guestpages.storage import GUEST_PAGE_CACHE_CONTROL
    from jada.aws import aws_client

    brand = demo_aws_ready()
    count = ctx.size("publish")
    charters = charters_create(count, brand=brand, label="publish")
    pages = [(guest_page_key(brand.guest_page_key_template, c.code), guest_page_render(c).encode()) for c in charters]
    s3 = aws_client("s3", region=brand.region)
    cloudfront = aws_client("cloudfront")
    published: list[int] = []
    invalidations: list[int] = []

    def invalidation_count() -> int:
        listing = cloudfront.list_invalidations(DistributionId=brand.distribution_id)["InvalidationList"]
        return int(listing.get("Quantity", 0))

    def product() -> float:
        before = invalidation_count()
        GuestPage.objects.filter(charter__in=charters).update(wanted_fingerprint="", sync_state="pending")
        with harness.stopwatch() as elapsed:
            guest_pages_mark_pending(charters=Charter.objects.filter(pk__in=[c.pk for c in charters]))
            guest_pages_push_bulk(brand_id=brand.pk)
        seconds = elapsed()
        rows = GuestPage.objects.filter(charter__in=charters, sync_state="synced")
        published.append(rows.count())
        invalidations.append(invalidation_count() - before)
        return harness.rate(count, seconds)

    def baseline() -> float:
        with harness.stopwatch() as elapsed:
            for key, body in pages:
                s3.put_object(
                    Bucket=brand.bucket,
                    Key=key,
                    Body=body,
                    ContentType="text/html; charset=utf-8",
                    CacheControl=GUEST_PAGE_CACHE_CONTROL,
                )
        return harness.rate(count, elapsed())

    values = harness.alternate(
        rounds=ctx.rounds,
        product=product,
        baseline=baseline,
        on_run=lambda i, side, v: ctx.log(f"publish round {i + 1} {side}: {v:,.0f} pages/s"),
    )
    details: dict[str, Any] = {"invalidations_per_run": invalidations, "published_per_run": published}
    return harness.Result(
        name="publish",
        what="publish guest pages in bulk (invalidations batched per brand)",
        unit="pages/s",
        higher_is_better=True,
        target=0.7,
        product=values[harness.PRODUCT],
        baseline=values[harness.BASELINE],
        sizes={"pages": count, "bytes_per_page": round(sum(len(b) for _, b in pages) / len(pages))},
        details=details,
        checks={
            "every page published": all(n == count for n in published),
            "invalidations batched": all(n <= 1 + count // 1000 for n in invalidations),
            "rows recorded": GuestPage.objects.filter(charter__in=charters).count() == count,
        },
    )
