"""Bulk publishing and the cached brand storage: same outcome as one page at a time, fewer round trips."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Charter
from bookings.targets_bulk import guest_pages_mark_pending, guest_pages_push_bulk
from guestpages.models import GuestPage
from guestpages.storage import brand_storage
from guestpages.tests.conftest import make_charter
from guestpages.tests.publishing import publish, publish_many
from jada.aws import aws_client, aws_clients_reset, aws_config

pytestmark = pytest.mark.django_db


def _publish_queries(brand: Any, count: int) -> int:
    charters = [make_charter(brand=brand, status="confirmed") for _ in range(count)]
    guest_pages_mark_pending(charters=Charter.objects.filter(pk__in=[c.pk for c in charters]))
    with CaptureQueriesContext(connection) as queries:
        guest_pages_push_bulk(brand_id=brand.pk)
    assert set(GuestPage.objects.filter(charter__in=charters).values_list("sync_state", flat=True)) == {"synced"}
    return len(queries.captured_queries)


def test_bulk_publish_rows_and_objects_match_single_publish(brand: Any) -> None:
    charters = [make_charter(brand=brand, status="confirmed") for _ in range(4)]
    publish(charters[0])  # one already published once: its version goes to 2
    brand.theme_accent_color = "#123456"  # its page changes, so the bulk publishes it again
    brand.save()
    pages = publish_many(charters)
    s3 = aws_client("s3", region=brand.region)
    for charter, page in zip(charters, pages, strict=True):
        key = f"jada-guest-{charter.code.lower()}.html"
        assert (page.sync_state, page.last_error, page.withdrawn) == ("synced", "", False)
        assert (page.bucket, page.object_key) == ("queen-guest-pages", key)
        assert page.public_url == f"https://queen.example.com/g/{charter.code}"
        assert page.last_synced_at is not None and page.delivered_fingerprint == page.wanted_fingerprint
        obj = s3.get_object(Bucket=brand.bucket, Key=key)
        assert obj["ContentType"] == "text/html; charset=utf-8"
        assert obj["CacheControl"] == "public, max-age=60"
        assert obj["Metadata"]["jada-fingerprint"] == page.delivered_fingerprint
        assert charter.code in obj["Body"].read().decode()  # each key holds its own charter's page
    assert [(p.published_version, p.attempts) for p in pages] == [(2, 1), (1, 1), (1, 1), (1, 1)]


def test_bulk_publish_queries_do_not_grow_with_the_number_of_pages(brand: Any) -> None:
    assert _publish_queries(brand, 2) == _publish_queries(brand, 7)


def test_brand_storage_is_cached_per_brand_row_and_dropped_with_the_aws_clients(brand: Any, other_brand: Any) -> None:
    first = brand_storage(brand)
    assert brand_storage(brand) is first
    assert brand_storage(other_brand) is not first
    assert brand_storage(other_brand).bucket_name == "jada-guest-pages"
    assert first.client_config is aws_config()
    assert first.transfer_config.use_threads is False
    brand.bucket = "queen-guest-pages-2"  # an edited row never reuses the old storage
    assert brand_storage(brand).bucket_name == "queen-guest-pages-2"
    brand.bucket = "queen-guest-pages"
    assert brand_storage(brand) is first
    aws_clients_reset()  # a new moto mock: a storage built before it would escape it
    assert brand_storage(brand) is not first


def test_a_large_brand_republish_invalidates_two_wildcard_paths_once(brand: Any) -> None:
    from guestpages.cdn import invalidations_list

    charters = [make_charter(brand=brand, status="confirmed") for _ in range(6)]
    guest_pages_mark_pending(charters=Charter.objects.filter(pk__in=[c.pk for c in charters]))
    done = guest_pages_push_bulk(brand_id=brand.pk, batch=4, wildcard_after=5)
    assert (done["synced"], done["failed"]) == (6, 0)
    (only,) = invalidations_list(brand)
    assert sorted(only["paths"]) == ["/g/*", "/jada-guest-*"]
    keys = {item["Key"] for item in aws_client("s3").list_objects_v2(Bucket=brand.bucket)["Contents"]}
    assert keys == {f"jada-guest-{c.code.lower()}.html" for c in charters}
    assert set(GuestPage.objects.filter(charter__in=charters).values_list("sync_state", flat=True)) == {"synced"}


def _content_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count how often a page's content is built (the real function, counted)."""
    from bookings import payloads
    from guestpages import render

    built: list[str] = []
    real = render.guest_page_content

    def counted(charter: Any, **kwargs: Any) -> Any:
        built.append(charter.code)
        return real(charter, **kwargs)

    monkeypatch.setattr(payloads, "guest_page_content", counted)
    monkeypatch.setattr(render, "guest_page_content", counted)
    return built


def test_a_page_is_built_once_for_its_fingerprint_and_its_html(brand: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from guestpages.render import guest_page_render

    charters = [make_charter(brand=brand, status="confirmed") for _ in range(3)]
    guest_pages_mark_pending(charters=Charter.objects.filter(pk__in=[c.pk for c in charters]))
    built = _content_builds(monkeypatch)
    guest_pages_push_bulk(brand_id=brand.pk)
    assert sorted(built) == sorted(c.code for c in charters)  # once each: not again to render
    single = make_charter(brand=brand, status="confirmed")
    built.clear()
    publish(single)
    # Marking it pending (its wanted fingerprint), then the push once for the fingerprint and the
    # HTML, then the check after the write (has the charter changed meanwhile?), re-read.
    assert built == [single.code] * 3
    monkeypatch.undo()
    s3 = aws_client("s3", region=brand.region)
    for charter in [*charters, single]:
        charter.refresh_from_db()
        body = s3.get_object(Bucket=brand.bucket, Key=f"jada-guest-{charter.code.lower()}.html")["Body"].read()
        assert body.decode() == guest_page_render(charter)  # the page is what a fresh render makes
