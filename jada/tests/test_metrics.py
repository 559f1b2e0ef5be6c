"""/metrics: Prometheus text for staff or a bearer token; our backlog gauges come from the database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User

from bookings import flow, tasks
from bookings.models import DriftReport
from bookings.tests.factories import BrandFactory, CharterFactory
from guestpages.models import GuestPage
from jada.models import SyncState

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def http(wsgi_transport: httpx.WSGITransport, settings: Any) -> Iterator[httpx.Client]:
    settings.METRICS_TOKEN = TOKEN
    with httpx.Client(transport=wsgi_transport, base_url="http://testserver") as client:
        yield client


def _value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if labels else ''} (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"{name} {labels} not in metrics"
    return float(match.group(1))


def test_anonymous_and_wrong_token_are_refused(http: httpx.Client, db: Any) -> None:
    anonymous = http.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"].startswith("Sign in as office staff")
    wrong = http.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "Invalid metrics token."}


def test_bearer_token_when_the_server_has_none_says_so(http: httpx.Client, settings: Any, db: Any) -> None:
    settings.METRICS_TOKEN = None
    response = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 503
    assert "METRICS_TOKEN is unset" in response.json()["error"]


def test_a_non_staff_session_is_refused(client: Any, db: Any) -> None:
    client.force_login(User.objects.create_user("crewish"))
    assert client.get("/metrics").status_code == 401


def test_staff_session_reads_http_metrics(client: Any, db: Any) -> None:
    client.force_login(User.objects.create_user("office", is_staff=True))
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "django_http_requests_total_by_view_transport_method_total" in response.content.decode()


def test_a_failed_target_shows_up_after_one_fails(http: httpx.Client, db: Any) -> None:
    # The brand's bucket was never created, so publishing its guest page fails for real.
    charter = CharterFactory(brand=BrandFactory(slug="nobucket", bucket="nobucket-never-created"))
    before = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert _value(before, "jada_targets", target="guest_page", state="failed") == 0

    flow.charter_confirm(charter=charter, actor="test")
    page = GuestPage.objects.get(charter=charter)
    assert tasks.push_guest_page.apply(args=[page.pk]).get() == "failed"

    text = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert _value(text, "jada_targets", target="guest_page", state="failed") == 1
    assert _value(text, "jada_targets_out_of_date", target="guest_page") == 0  # failed, not older content

    # A target that holds an older version than its charter's current one is out of date.
    edited = CharterFactory()
    GuestPage.objects.create(
        charter=edited, sync_state=SyncState.SYNCED, delivered_fingerprint="a", wanted_fingerprint="b"
    )
    text = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert _value(text, "jada_targets_out_of_date", target="guest_page") == 1


def test_oldest_pending_age_drift_and_sweep_gauges(http: httpx.Client, db: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from jada.health import beat_result

    charter = CharterFactory()
    GuestPage.objects.create(charter=charter, sync_state=SyncState.PENDING)
    GuestPage.objects.filter(charter=charter).update(updated_at=timezone.now() - timedelta(minutes=10))
    DriftReport.objects.create(findings=[{"kind": "stale"}] * 3, finding_count=3)
    beat_result("crew.tasks.crew_events_sweep", {"scanned": 40, "dirty": 2})

    text = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert 590 < _value(text, "jada_target_oldest_pending_age_seconds", target="guest_page") < 700
    assert _value(text, "jada_target_oldest_pending_age_seconds", target="crew_event") == 0
    assert _value(text, "jada_drift_findings") == 3
    assert _value(text, "jada_scrub_sweep_dirty_items") == 2
