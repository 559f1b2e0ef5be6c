"""Bulk publishing and the cached brand storage: same outcome as one page at a time, fewer round trips."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guestpages import services
from guestpages.models import GuestPage
from guestpages.services import guest_page_publish, guest_pages_publish_many
from guestpages.storage import brand_storage
from guestpages.tests.conftest import make_charter
from jada.aws import aws_client, aws_clients_reset, aws_config
from jada.models import AuditEntry

pytestmark = pytest.mark.django_db


def _publish_queries(brand: Any, count: int) -> int:
    charters = [make_charter(brand=brand, status="confirmed") for _ in range(count)]
    with CaptureQueriesContext(connection) as queries:
        pages = guest_pages_publish_many(charters=charters)
    assert [p.sync_state for p in pages] == ["synced"] * count
    return len(queries.captured_queries)


def test_bulk_publish_rows_objects_and_audit_match_single_publish(brand: Any) -> None:
    charters = [make_charter(brand=brand, status="confirmed") for _ in range(4)]
    guest_page_publish(charter=charters[0])  # one already published once: its version goes to 2
    pages = guest_pages_publish_many(charters=charters)
    s3 = aws_client("s3", region=brand.region)
    for charter, page in zip(charters, pages, strict=True):
        key = f"jada-guest-{charter.code.lower()}.html"
        assert (page.sync_state, page.last_error, page.withdrawn) == ("synced", "", False)
        assert (page.bucket, page.object_key) == ("queen-guest-pages", key)
        assert page.public_url == f"https://queen.example.com/g/{charter.code}"
        assert page.last_synced_at is not None
        obj = s3.get_object(Bucket=brand.bucket, Key=key)
        assert obj["ContentType"] == "text/html; charset=utf-8"
        assert obj["CacheControl"] == "public, max-age=60"
        assert charter.code in obj["Body"].read().decode()  # each key holds its own charter's page
    assert [(p.published_version, p.attempts) for p in pages] == [(2, 2), (1, 1), (1, 1), (1, 1)]
    assert GuestPage.objects.get(pk=pages[0].pk).published_version == 2
    entries = AuditEntry.objects.filter(action="guest_page.published", object_type="guestpages.guestpage")
    by_page = {(e.object_id, e.data["version"]) for e in entries}
    assert by_page == {(str(pages[0].pk), 1)} | {(str(p.pk), p.published_version) for p in pages}
    latest = entries.filter(object_id=str(pages[1].pk)).get()
    assert latest.actor_label == "guestpages" and latest.object_repr == f"Guest page for {charters[1].code}"
    assert latest.data == {"bucket": "queen-guest-pages", "key": pages[1].object_key, "version": 1}


def test_bulk_publish_queries_do_not_grow_with_the_number_of_pages(brand: Any) -> None:
    assert _publish_queries(brand, 2) == _publish_queries(brand, 7)


def test_rows_claimed_by_the_flow_or_reset_meanwhile_keep_their_state(brand: Any, monkeypatch: Any) -> None:
    claimed, reset, plain = (make_charter(brand=brand, status="confirmed") for _ in range(3))
    GuestPage.objects.create(charter=claimed, sync_state="syncing", attempts=1)  # the flow claimed it
    real_render = services.guest_page_render

    def render_while_a_newer_round_starts(charter: Any) -> str:
        if charter.pk == reset.pk:  # a newer change puts the row back to pending mid-publish
            GuestPage.objects.filter(charter=charter).update(sync_state="pending")
        return real_render(charter)

    monkeypatch.setattr(services, "guest_page_render", render_while_a_newer_round_starts)
    pages = guest_pages_publish_many(charters=[claimed, reset, plain])
    assert [(p.sync_state, p.attempts) for p in pages] == [("synced", 1), ("pending", 1), ("synced", 1)]
    assert [p.published_version for p in pages] == [1, 1, 1]  # the write itself did happen


def test_failed_pages_are_marked_and_left_out_of_the_bulk(brand: Any) -> None:
    good = make_charter(brand=brand, status="confirmed")
    cancelled = make_charter(brand=brand, status="cancelled")
    pages = guest_pages_publish_many(charters=[cancelled, good, good])
    assert [p.sync_state for p in pages] == ["failed", "synced", "synced"]
    assert "cancelled" in pages[0].last_error and pages[0].published_version == 0
    assert AuditEntry.objects.filter(object_id=str(pages[0].pk)).count() == 0
    assert AuditEntry.objects.filter(object_id=str(pages[1].pk)).count() == 1


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
