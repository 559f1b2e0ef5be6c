"""The local /g/ preview, publish_guest_page after seed_demo, and bootstrap_aws's stand-in distributions."""

from __future__ import annotations

from io import StringIO
from typing import Any

import httpx
import pytest
from django.core.management import CommandError, call_command

from bookings.models import Brand
from guestpages.tests.conftest import brand_aws_ready
from guestpages.tests.publishing import publish
from jada.aws import aws_client

pytestmark = pytest.mark.django_db


def test_preview_serves_the_published_object_through_the_same_mapping(
    api: httpx.Client, charter: Any, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".queen.example.com", "queen.example.com"]
    publish(charter)
    for host, path in [
        ("queen.localhost:8000", "/g/XHQGMDH"),
        ("queen.localhost", "/g/xhqgmdh/"),
        ("queen.example.com", "/g/boatsetter-5-30-xhqgmdh"),
        ("www.queen.example.com", "/g/XHQGMDH"),
    ]:
        response = api.get(path, headers={"Host": host})
        assert response.status_code == 200, (host, path)
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["x-guest-page-key"] == "jada-guest-xhqgmdh.html"
        assert "Charter XHQGMDH" in response.text


def test_preview_404s(api: httpx.Client, charter: Any, other_brand: Any) -> None:
    publish(charter)
    for host, path in [
        ("jada.localhost:8000", "/g/XHQGMDH"),  # the other brand's site has no such page
        ("nobrand.localhost", "/g/XHQGMDH"),
        ("testserver", "/g/XHQGMDH"),
        ("queen.localhost", "/g/"),
        ("queen.localhost", "/g/../jada-guest-xhqgmdh.html"),
        ("queen.localhost", "/g/XHQGMDH.html"),
        ("queen.localhost", "/g/XHQ%2FGMDH"),
        ("queen.localhost", "/g/%C3%84BCDEF"),
        ("queen.localhost", "/g/NOPAGE1"),
    ]:
        assert api.get(path, headers={"Host": host}).status_code == 404, (host, path)


def test_publish_guest_page_after_seed_demo(db: Any) -> None:
    call_command("seed_demo", stdout=StringIO())
    queen, jada = Brand.objects.get(slug="queenofsandiego"), Brand.objects.get(slug="sailjada")
    brand_aws_ready(queen)
    brand_aws_ready(jada)
    out = StringIO()
    call_command("publish_guest_page", "xhqgmdh", stdout=out)
    assert "Public URL: https://queenofsandiego.com/g/XHQGMDH" in out.getvalue()
    assert "Object key: jada-guest-xhqgmdh.html" in out.getvalue()
    s3 = aws_client("s3")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=queen.bucket)["Contents"]] == ["jada-guest-xhqgmdh.html"]
    assert "Contents" not in s3.list_objects_v2(Bucket=jada.bucket)
    html = s3.get_object(Bucket=queen.bucket, Key="jada-guest-xhqgmdh.html")["Body"].read().decode()
    assert "Jordan Avery" in html and "1450" not in html and "payout" not in html.lower()


def test_publish_guest_page_unknown_code(db: Any) -> None:
    with pytest.raises(CommandError, match="No charter has code 'NOPE123'"):
        call_command("publish_guest_page", "NOPE123")


def test_publish_guest_page_misconfigured_brand_is_a_command_error(db: Any) -> None:
    call_command("seed_demo", stdout=StringIO())  # distribution ids of the demo do not exist in moto
    brand_aws_ready(Brand.objects.get(slug="sailjada"))
    from guestpages.storage import brand_bucket_ensure

    brand_bucket_ensure(Brand.objects.get(slug="queenofsandiego"))
    with pytest.raises(CommandError, match=r"XHQGMDH was not published: .*E2QUEENSDDEMO.*does not exist"):
        call_command("publish_guest_page", "XHQGMDH")


def test_bootstrap_creates_stand_in_distributions(moto_server: str) -> None:
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("bootstrap_aws", stdout=out)
    text = out.getvalue()
    assert "created on the stand-in (was E2QUEENSDDEMO)" in text
    queen = Brand.objects.get(slug="queenofsandiego")
    assert queen.distribution_id != "E2QUEENSDDEMO"
    aws_client("cloudfront", region="us-east-1").get_distribution(Id=queen.distribution_id)
    again = StringIO()
    call_command("bootstrap_aws", stdout=again)
    assert f"distribution {queen.distribution_id} (queenofsandiego): ok" in again.getvalue()
    cors = aws_client("s3", region=queen.region).get_bucket_cors(Bucket=queen.bucket)["CORSRules"]
    assert cors[0]["AllowedOrigins"] == [
        "https://queenofsandiego.com",
        "https://www.queenofsandiego.com",
        "http://queenofsandiego.localhost:*",
    ]
    call_command("publish_guest_page", "XHQGMDH", stdout=StringIO())


def test_bootstrap_never_creates_distributions_on_real_aws(db: Any) -> None:
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("bootstrap_aws", stdout=out)
    assert "E2QUEENSDDEMO (queenofsandiego): MISSING on real AWS" in out.getvalue()
    assert Brand.objects.get(slug="queenofsandiego").distribution_id == "E2QUEENSDDEMO"
    assert aws_client("cloudfront", region="us-east-1").list_distributions()["DistributionList"].get("Items") in (
        None,
        [],
    )
    cors = aws_client("s3", region="us-west-2").get_bucket_cors(Bucket="queenofsandiego-guest-pages")["CORSRules"]
    assert cors[0]["AllowedOrigins"] == ["https://queenofsandiego.com", "https://www.queenofsandiego.com"]
