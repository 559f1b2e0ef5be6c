"""The brand domains the SCC client checks against: read once per brands version, re-read when a
brand changes (in this process or another), never kept from inside a transaction."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from bookings.models import Brand
from bookings.tests.factories import BrandFactory
from crew.client import scc_client
from jada import brand_domains as module
from jada.brand_domains import brand_domains
from jada.errors import ConfigurationError

# Committed writes (autocommit), so a brand's save runs its on-commit bump as it would in production.
pytestmark = pytest.mark.django_db(transaction=True)


def _queries(call: object) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        result = call()  # type: ignore[operator]
    return result, len(queries)


def test_the_domains_are_read_once_until_a_brand_changes() -> None:
    brand = BrandFactory(slug="alpha", domain="Alpha.Example.com.")
    assert _queries(brand_domains) == (frozenset({"alpha.example.com"}), 1)
    assert _queries(brand_domains) == (frozenset({"alpha.example.com"}), 0)
    brand.domain = "alpha-sailing.example.com"
    brand.save()
    assert _queries(brand_domains) == (frozenset({"alpha-sailing.example.com"}), 1)
    BrandFactory(slug="beta")
    assert brand_domains() == {"alpha-sailing.example.com", "beta.example.com"}
    brand.delete()
    assert brand_domains() == {"beta.example.com"}


@override_settings(SCC_SERVICE_KEY="k", SCC_API_URL="https://scc.alpha.example.com/api/scc")
def test_a_brand_moved_onto_the_scc_host_is_refused_on_the_next_push() -> None:
    brand = BrandFactory(slug="alpha", domain="alpha.example.com")
    with pytest.raises(ConfigurationError, match="CloudFront strips"):
        scc_client()
    brand.domain = "alpha-sailing.example.com"
    brand.save()
    first, queries = _queries(scc_client)
    assert queries == 1
    assert _queries(scc_client) == (first, 0)  # a push's check costs no query now
    brand.domain = "alpha.example.com"
    brand.save()
    with pytest.raises(ConfigurationError, match="CloudFront strips"):
        scc_client()


def test_another_process_changing_a_brand_is_seen_through_the_shared_version() -> None:
    brand = BrandFactory(slug="alpha", domain="alpha.example.com")
    assert brand_domains() == {"alpha.example.com"}
    # Another process saves the brand: the row changes and the version in the shared cache is
    # replaced; this process's signal never ran (QuerySet.update sends none).
    Brand.objects.filter(pk=brand.pk).update(domain="alpha-sailing.example.com")
    assert brand_domains() == {"alpha.example.com"}
    cache.set(module.VERSION_KEY, "set-by-another-process", timeout=None)
    assert brand_domains() == {"alpha-sailing.example.com"}


def test_a_change_without_a_new_version_is_seen_after_the_maximum_age(monkeypatch: pytest.MonkeyPatch) -> None:
    brand = BrandFactory(slug="alpha", domain="alpha.example.com")
    assert brand_domains() == {"alpha.example.com"}
    Brand.objects.filter(pk=brand.pk).update(domain="alpha-sailing.example.com")
    monkeypatch.setattr(module, "MAX_AGE_SECONDS", -1.0)
    assert brand_domains() == {"alpha-sailing.example.com"}


def test_a_flushed_cache_means_a_new_version_and_a_fresh_read() -> None:
    brand = BrandFactory(slug="alpha", domain="alpha.example.com")
    assert brand_domains() == {"alpha.example.com"}
    Brand.objects.filter(pk=brand.pk).update(domain="alpha-sailing.example.com")
    cache.clear()
    assert _queries(brand_domains) == (frozenset({"alpha-sailing.example.com"}), 1)
    assert _queries(brand_domains) == (frozenset({"alpha-sailing.example.com"}), 0)


def test_what_a_transaction_sees_is_not_kept_after_it_rolls_back() -> None:
    BrandFactory(slug="alpha", domain="alpha.example.com")
    assert brand_domains() == {"alpha.example.com"}
    with pytest.raises(RuntimeError), transaction.atomic():
        BrandFactory(slug="beta", domain="beta.example.com")
        assert brand_domains() == {"alpha.example.com", "beta.example.com"}  # its own write, read afresh
        raise RuntimeError("roll back")
    assert brand_domains() == {"alpha.example.com"}
