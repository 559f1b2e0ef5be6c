"""Fixtures for the guest-pages tests: brands whose buckets and distributions exist in moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from bookings.tests.factories import BrandFactory, CharterFactory
from guestpages.cdn import stand_in_distribution_config
from guestpages.storage import brand_bucket_ensure
from jada.aws import aws_client


def brand_aws_ready(brand: Any) -> Any:
    """Create the brand's bucket and a (moto) distribution, and store the distribution's id."""
    brand_bucket_ensure(brand)
    created = aws_client("cloudfront", region="us-east-1").create_distribution(
        DistributionConfig=stand_in_distribution_config(brand)
    )
    brand.distribution_id = created["Distribution"]["Id"]
    brand.save(update_fields=["distribution_id"])
    return brand


@pytest.fixture
def brand(db: Any) -> Any:
    return brand_aws_ready(BrandFactory(slug="queen", domain="queen.example.com", bucket="queen-guest-pages"))


@pytest.fixture
def other_brand(db: Any) -> Any:
    return brand_aws_ready(BrandFactory(slug="jada", domain="jada.example.com", bucket="jada-guest-pages"))


@pytest.fixture
def charter(brand: Any) -> Any:
    return CharterFactory(brand=brand, status="confirmed", code="XHQGMDH")


@pytest.fixture
def api(db: Any) -> Iterator[httpx.Client]:
    """The real WSGI app through httpx, sharing the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        transport = httpx.WSGITransport(app=get_wsgi_application(), remote_addr="203.0.113.7")
        with httpx.Client(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def tiny_png() -> bytes:
    """A real 2×2 PNG, built here so the tests need no image library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xd4\xa0\x17" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def make_charter(**fields: Any) -> Any:
    """A saved charter (typed Any: factory_boy's metaclass hides the model type from mypy)."""
    return CharterFactory(**fields)
