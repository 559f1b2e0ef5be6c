"""Publishing and withdrawing: the right bucket, the right key and headers, the right invalidations."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from bookings.targets import target_push
from bookings.tests.factories import BrandFactory
from guestpages import services
from guestpages.cdn import invalidations_list
from guestpages.errors import BrandMisconfigured, GuestPageError, GuestPageRemoteError, aws_error
from guestpages.models import GuestPage
from guestpages.tests.conftest import brand_aws_ready, make_charter
from guestpages.tests.publishing import publish, publish_many, withdraw
from jada.aws import aws_client

pytestmark = pytest.mark.django_db


def keys(brand: Any) -> list[str]:
    listing = aws_client("s3", region=brand.region).list_objects_v2(Bucket=brand.bucket)
    return [item["Key"] for item in listing.get("Contents", [])]


def body(brand: Any, key: str) -> str:
    return aws_client("s3", region=brand.region).get_object(Bucket=brand.bucket, Key=key)["Body"].read().decode()


def test_publish_writes_one_object_to_its_own_brand_only(charter: Any, other_brand: Any) -> None:
    page = publish(charter)
    assert keys(charter.brand) == ["jada-guest-xhqgmdh.html"]
    assert keys(other_brand) == []
    assert invalidations_list(other_brand) == []
    assert (page.sync_state, page.attempts, page.last_error) == ("synced", 1, "")
    assert page.bucket == "queen-guest-pages"
    assert page.object_key == "jada-guest-xhqgmdh.html"
    assert page.public_url == "https://queen.example.com/g/XHQGMDH"
    assert page.published_version == 1
    assert page.last_synced_at is not None


def test_object_headers(charter: Any) -> None:
    publish(charter)
    head = aws_client("s3").head_object(Bucket="queen-guest-pages", Key="jada-guest-xhqgmdh.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["CacheControl"] == "public, max-age=60"


def test_invalidates_viewer_path_and_key_with_deterministic_reference(charter: Any) -> None:
    publish(charter)
    page = publish(charter)  # re-publish overwrites in place
    assert page.published_version == 2
    assert keys(charter.brand) == ["jada-guest-xhqgmdh.html"]
    found = sorted(invalidations_list(charter.brand), key=lambda i: i["reference"])
    assert [(i["reference"], sorted(i["paths"])) for i in found] == [
        ("XHQGMDH:1", ["/g/XHQGMDH", "/jada-guest-xhqgmdh.html"]),
        ("XHQGMDH:2", ["/g/XHQGMDH", "/jada-guest-xhqgmdh.html"]),
    ]


def test_custom_key_template(brand: Any) -> None:
    brand.guest_page_key_template = "guests/{code}/index.html"
    brand.save()
    charter = make_charter(brand=brand, status="confirmed", code="ab12cd")
    page = publish(charter)
    assert page.object_key == "guests/ab12cd/index.html"
    assert keys(brand) == ["guests/ab12cd/index.html"]


def test_failed_invalidation_keeps_version_so_the_retry_reuses_the_reference(charter: Any) -> None:
    good = charter.brand.distribution_id
    charter.brand.distribution_id = "EDOESNOTEXIST"
    charter.brand.save()
    with pytest.raises(BrandMisconfigured, match="distribution 'EDOESNOTEXIST' does not exist"):
        publish(charter)
    page = GuestPage.objects.get(charter=charter)
    assert page.sync_state == "failed" and "does not exist" in page.last_error
    assert page.published_version == 0
    charter.brand.distribution_id = good
    charter.brand.save()
    target_push(kind="guest_page", row_id=page.pk)  # the task's automatic retry
    page.refresh_from_db()
    assert (page.sync_state, page.attempts, page.published_version) == ("synced", 2, 1)
    assert [i["reference"] for i in invalidations_list(charter.brand)] == ["XHQGMDH:1"]


def test_misconfigured_brand_fails_before_writing(db: Any) -> None:
    brand: Any = BrandFactory(slug="broken")
    brand_aws_ready(brand)
    brand.distribution_id = ""
    brand.save()
    charter = make_charter(brand=brand, status="confirmed")
    with pytest.raises(BrandMisconfigured, match="needs a CloudFront distribution id"):
        publish(charter)
    assert keys(brand) == []
    page = GuestPage.objects.get(charter=charter)
    assert page.sync_state == "failed"
    assert "Fix it in the admin" in page.last_error


def test_missing_bucket_is_a_permanent_remote_error(db: Any) -> None:
    brand = BrandFactory(slug="nobucket")
    charter = make_charter(brand=brand, status="confirmed")
    with pytest.raises(GuestPageRemoteError) as caught:
        publish(charter)
    assert caught.value.transient is False
    assert "NoSuchBucket" in GuestPage.objects.get(charter=charter).last_error


def test_aws_error_classification() -> None:
    def error(code: str, status: int) -> ClientError:
        response: Any = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
        return ClientError(response, "Op")

    assert aws_error("x", error("SlowDown", 503)).transient is True
    assert aws_error("x", error("InternalError", 500)).transient is True
    assert aws_error("x", error("Throttling", 400)).transient is True
    assert aws_error("x", error("AccessDenied", 403)).transient is False


def test_cancelled_charter_is_not_published(charter: Any) -> None:
    charter.status = "cancelled"
    charter.save()
    with pytest.raises(GuestPageError, match="withdraw"):
        services.guest_page_publish(charter=charter, version=1, fingerprint="f")
    assert keys(charter.brand) == []


def test_page_content_is_escaped_and_has_no_money_or_internal_notes(brand: Any) -> None:
    charter = make_charter(
        brand=brand,
        status="confirmed",
        code="HTML1",
        guest_name='<script>alert("x")</script> O\'Neil & Co',
        meeting_point="Dock <b>7</b>",
        guest_notes="<img src=x onerror=alert(1)>Bring a hat",
        internal_notes="SECRET-INTERNAL payout",
        crew_notes="captain fee CREW-ONLY",
    )
    publish(charter)
    html = body(brand, "jada-guest-html1.html")
    assert (
        "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#x27;Neil &amp; Co" in html
    )
    assert "<b>7</b>" not in html and "Dock &lt;b&gt;7&lt;/b&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;Bring a hat" in html
    for secret in ("SECRET-INTERNAL", "CREW-ONLY", "1450", "217.5", "300.00", "150.00", "revenue", "fee"):
        assert secret not in html, secret
    assert "Charter HTML1" in html and "Call us at (619) 555-0100" in html
    assert "https://www.google.com/maps/search/?api=1&amp;query=Dock+%3Cb%3E7%3C%2Fb%3E" in html


def test_page_shows_local_times_of_the_brand_zone(brand: Any) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    start = datetime(2030, 5, 30, 21, 0, tzinfo=ZoneInfo("UTC"))  # 14:00 in San Diego (PDT)
    charter = make_charter(brand=brand, status="confirmed", code="TIME1", starts_at=start)
    publish(charter)
    html = body(brand, "jada-guest-time1.html")
    assert "Thursday, May 30, 2030" in html
    assert "2:00 PM – 5:00 PM PDT" in html
    assert '"opensAt": "2030-05-30T19:00:00+00:00"' in html


def test_withdraw_replaces_the_page_and_invalidates(charter: Any) -> None:
    publish(charter)
    charter.status = "cancelled"
    charter.save()
    page = withdraw(charter)
    assert page.withdrawn and page.sync_state == "synced" and page.published_version == 2
    html = body(charter.brand, "jada-guest-xhqgmdh.html")
    assert "This charter was cancelled" in html and "Call us at (619) 555-0100" in html
    assert charter.guest_name not in html and "Dock 7" not in html
    assert sorted(i["reference"] for i in invalidations_list(charter.brand)) == ["XHQGMDH:1", "XHQGMDH:2"]


def test_withdraw_of_a_never_published_page_writes_nothing(charter: Any) -> None:
    page = withdraw(charter)
    assert page.withdrawn and page.sync_state == "synced" and page.published_version == 0
    assert keys(charter.brand) == [] and invalidations_list(charter.brand) == []


def test_publish_many_batches_one_invalidation_per_brand(brand: Any, other_brand: Any) -> None:
    ours = [make_charter(brand=brand, status="confirmed") for _ in range(3)]
    theirs = [make_charter(brand=other_brand, status="confirmed") for _ in range(2)]
    broken = make_charter(brand=brand, status="cancelled")
    pages = publish_many([ours[0], theirs[0], broken, *ours[1:], theirs[1]])
    assert [p.charter_id for p in pages] == [c.pk for c in [ours[0], theirs[0], broken, *ours[1:], theirs[1]]]
    # The cancelled one is left to its ordinary push, which withdraws instead of publishing.
    assert [p.sync_state for p in pages] == ["synced", "synced", "pending", "synced", "synced", "synced"]
    assert len(keys(brand)) == 3 and len(keys(other_brand)) == 2
    (mine,) = invalidations_list(brand)
    assert sorted(mine["paths"]) == sorted(
        p for c in ours for p in (f"/g/{c.code}", f"/jada-guest-{c.code.lower()}.html")
    )
    assert mine["reference"].startswith("bulk:queen:")
    (other,) = invalidations_list(other_brand)
    assert len(other["paths"]) == 4


def test_one_invalidation_never_takes_more_than_a_third_of_cloudfronts_allowance(brand: Any) -> None:
    from guestpages.cdn import INVALIDATION_BATCH_MAX, INVALIDATION_PATHS_IN_PROGRESS_MAX, cdn_invalidate

    assert INVALIDATION_BATCH_MAX * 3 <= INVALIDATION_PATHS_IN_PROGRESS_MAX
    exact = [f"/g/C{i}" for i in range(INVALIDATION_BATCH_MAX)]
    assert len(cdn_invalidate(brand=brand, paths=exact, caller_reference="exact")) == 1
    cdn_invalidate(brand=brand, paths=[*exact, "/g/ONEMORE"], caller_reference="big")
    found = {i["reference"]: sorted(i["paths"]) for i in invalidations_list(brand)}
    assert len(found["exact"]) == INVALIDATION_BATCH_MAX
    assert found["big"] == ["/g/*"]


def test_wildcards_cover_the_paths_given_not_the_brands_current_layout(brand: Any) -> None:
    from guestpages.cdn import cdn_invalidate, covering_wildcards

    # The old keys of pages whose brand changed its key template: the brand's own prefix
    # ("/jada-guest-") would leave every one of them cached.
    old = [f"/old-layout/guest-{i}.html" for i in range(1500)]
    cdn_invalidate(brand=brand, paths=old, caller_reference="moved")
    (sent,) = invalidations_list(brand)
    assert sent["paths"] == ["/old-layout/guest-*"]
    mixed = [p for i in range(800) for p in (f"/g/C{i}", f"/jada-guest-c{i}.html")]
    assert covering_wildcards(mixed) == ["/g/*", "/jada-guest-c*"]
    assert covering_wildcards(["/a.html", "/b.html"]) == ["/*"]
    assert cdn_invalidate(brand=brand, paths=[], caller_reference="nothing") == []
