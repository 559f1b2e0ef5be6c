"""The SCC client: refuses CDN base URLs, retries only 5xx/timeouts, key from env or Secrets Manager."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from django.test import override_settings

from bookings.tests.factories import BrandFactory
from crew.client import SccClient
from crew.tests import scc_support
from crew.tests.scc_support import event_payload
from jada.aws import aws_client
from jada.errors import ConfigurationError, RemoteError

pytestmark = pytest.mark.django_db
_forget_verified_keys = scc_support._forget_verified_keys
table, wsgi = scc_support.table, scc_support.wsgi


@pytest.mark.parametrize("url", ["https://d111111abcdef8.cloudfront.net/api/scc", "https://brand0.example.com/api/scc"])
def test_refuses_a_cdn_base_url_and_says_why(url: str) -> None:
    BrandFactory(slug="brand0")
    with pytest.raises(ConfigurationError) as caught:
        SccClient(base_url=url, key="k")
    assert "CloudFront strips the X-Service-Key header" in caught.value.message


class Flaky(httpx.BaseTransport):
    """The network between client and API: fails the first ``failures`` requests, then passes them on."""

    def __init__(self, inner: httpx.BaseTransport, failures: list[Any]) -> None:
        self.inner, self.failures, self.requests = inner, failures, []  # type: ignore[var-annotated]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return httpx.Response(failure, json={"error": "upstream trouble"})
        return self.inner.handle_request(request)


def test_retries_5xx_and_timeouts_then_succeeds(wsgi: httpx.WSGITransport, table: Any) -> None:
    flaky = Flaky(wsgi, [503, httpx.ReadTimeout("slow")])
    with SccClient(transport=flaky, sleep=lambda _s: None) as client:
        event = client.event_upsert(event_payload())
    assert event["version"] == 1 and len(flaky.requests) == 3
    keys = {r.headers["Idempotency-Key"] for r in flaky.requests}
    assert len(keys) == 1 and len(keys.pop()) == 32  # the same key on every retry of one request


def test_gives_up_after_retries_as_transient(wsgi: httpx.WSGITransport) -> None:
    flaky = Flaky(wsgi, [502, 502, 502])
    with SccClient(transport=flaky, sleep=lambda _s: None) as client, pytest.raises(RemoteError) as caught:
        client.event_upsert(event_payload())
    assert caught.value.transient is True and "502" in caught.value.message and len(flaky.requests) == 3


def test_never_retries_a_4xx(wsgi: httpx.WSGITransport, table: Any) -> None:
    flaky = Flaky(wsgi, [])
    with SccClient(transport=flaky, sleep=lambda _s: None) as client, pytest.raises(RemoteError) as caught:
        client.event_upsert(event_payload(title=""))
    assert caught.value.transient is False and "title is required" in caught.value.message
    assert len(flaky.requests) == 1


@override_settings(SCC_SERVICE_KEY=None, SCC_SERVICE_KEY_SECRET_ID="scc/service-key")
def test_key_from_secrets_manager(wsgi: httpx.WSGITransport, table: Any, service_key: str) -> None:
    aws_client("secretsmanager").create_secret(Name="scc/service-key", SecretString=json.dumps({"key": service_key}))
    with SccClient(transport=wsgi) as client:
        assert client.event_upsert(event_payload())["charter_ref"] == "XHQGMDH"


@override_settings(SCC_SERVICE_KEY=None, SCC_SERVICE_KEY_SECRET_ID=None)
def test_no_key_configured_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="SCC_SERVICE_KEY"):
        SccClient()


def test_the_key_never_appears_in_errors(wsgi: httpx.WSGITransport) -> None:
    with SccClient(key="very-secret-wrong-key", transport=wsgi) as client, pytest.raises(RemoteError) as caught:
        client.event_get("evt_00000000000000000000")
    assert "very-secret-wrong-key" not in str(caught.value)


@override_settings(SCC_API_URL="https://scc.internal.example/api/scc", SCC_SERVICE_KEY="key-one")
def test_the_shared_client_is_built_once_per_process_and_rebuilt_when_settings_change() -> None:
    from crew.client import scc_client

    first = scc_client()
    assert scc_client() is first
    with override_settings(SCC_SERVICE_KEY="key-two"):
        second = scc_client()
        assert second is not first
        assert second._http.headers["X-Service-Key"] == "key-two"
    with override_settings(SCC_API_URL="https://scc2.internal.example/api/scc"):
        assert scc_client().base_url == "https://scc2.internal.example/api/scc"


@override_settings(SCC_SERVICE_KEY="k")
def test_the_shared_client_still_refuses_a_brand_domain_added_later() -> None:
    from crew.client import scc_client

    with override_settings(SCC_API_URL="https://api.brand7.example.com/api/scc"):
        scc_client()
        BrandFactory(slug="brand7", domain="brand7.example.com")
        with pytest.raises(ConfigurationError, match="CloudFront strips"):
            scc_client()


@override_settings(SCC_SERVICE_KEY=None, SCC_SERVICE_KEY_SECRET_ID="scc/shared-client")
def test_the_shared_client_rereads_a_secret_key_after_its_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    from crew import client as module

    secrets = aws_client("secretsmanager")
    secrets.create_secret(Name="scc/shared-client", SecretString="first")
    first = module.scc_client()
    secrets.put_secret_value(SecretId="scc/shared-client", SecretString="second")
    assert module.scc_client() is first
    monkeypatch.setattr(module, "SECRET_KEY_TTL_SECONDS", -1)
    assert module.scc_client()._http.headers["X-Service-Key"] == "second"
