"""Fixtures shared by every app's tests: AWS through moto, brands with real (moto) buckets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from moto import mock_aws

from jada.aws import aws_clients_reset


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def aws() -> Iterator[None]:
    """Every test runs inside moto, so nothing can reach real AWS; clients are rebuilt inside it."""
    with mock_aws():
        aws_clients_reset()
        yield
    aws_clients_reset()


@pytest.fixture
def service_key() -> str:
    return settings.TEST_SERVICE_KEY
