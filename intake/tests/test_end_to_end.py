"""Zero manual steps: an auto-confirming source receives the Boatsetter confirmation e-mail and the
charter is confirmed, published, on the calendar and with the crew — then the cancellation withdraws it.

The way `make run` runs: no broker (tasks in-process after commit), the calendar and SCC clients
calling a live server over real HTTP, AWS in a moto server.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from django.core import mail
from django.core.management import call_command

from bookings.demo import demo_seed
from bookings.models import CalendarEntry, Charter, CharterStatus, InternalCalendarEvent
from bookings.tests.harness import needs_contracts
from crew.models import CrewEvent
from guestpages.models import GuestPage
from intake.demo import intake_seed_demo
from intake.tests.conftest import sample
from jada.aws import aws_client
from jada.models import SyncState

pytestmark = [pytest.mark.django_db(transaction=True), needs_contracts]
MONEY_MARKS = ("$", "1,450", "1450", "217.5", "1,232", "1232", "616")


@pytest.fixture
def embedded(live_server: Any, moto_server: str, settings: Any) -> Iterator[None]:
    settings.SITE_URL = settings.PUBLIC_API_URL = live_server.url
    settings.SCC_API_URL = f"{live_server.url}/api/scc"
    settings.CALENDAR_API_URL = f"{live_server.url}/api/calendar"
    assert settings.CELERY_TASK_ALWAYS_EAGER
    demo_seed()
    call_command("bootstrap_aws", stdout=io.StringIO())
    for source in intake_seed_demo():
        source.auto_confirm = source.name == "boatsetter"
        source.save()
    yield


def _email(monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(sample(name))))
    out = io.StringIO()
    call_command("intake_email", stdout=out)
    return out.getvalue().strip()


def _states(charter: Charter) -> list[str]:
    return [
        GuestPage.objects.get(charter=charter).sync_state,
        CalendarEntry.objects.get(charter=charter).sync_state,
        CrewEvent.objects.get(charter=charter).sync_state,
    ]


def test_boatsetter_confirmation_runs_the_whole_flow_and_cancellation_withdraws_it(
    embedded: None, monkeypatch: pytest.MonkeyPatch, live_server: Any, settings: Any
) -> None:
    out = _email(monkeypatch, "boatsetter-confirmed.eml")
    charter = Charter.objects.select_related("brand").get(marketplace_booking_id="4829113")
    assert out == f"created {charter.code}"
    assert charter.status == CharterStatus.CONFIRMED
    assert _states(charter) == [SyncState.SYNCED] * 3
    # Money in the financial fields, nowhere else.
    assert (charter.gross_revenue, charter.platform_fee, charter.payout) == (
        Decimal("1450.00"),
        Decimal("217.50"),
        Decimal("1232.50"),
    )
    # The guest page, on the guests' brand (queenofsandiego.com), in that brand's bucket.
    page = GuestPage.objects.get(charter=charter)
    html = aws_client("s3").get_object(Bucket=charter.brand.bucket, Key=page.object_key)["Body"].read().decode()
    assert charter.brand.slug == "queenofsandiego" and "Jordan" in html
    # The calendar entry.
    assert InternalCalendarEvent.objects.get(charter_id=charter.code).status == "confirmed"
    # The crew event and the captain the e-mail names, told by e-mail; no money anywhere crew look.
    event = CrewEvent.objects.get(charter=charter)
    with httpx.Client(base_url=live_server.url) as client:
        stored = client.get(
            f"/api/scc/events/{event.remote_id}", headers={"X-Service-Key": settings.TEST_SERVICE_KEY}
        ).json()
    assert [c["email"] for c in stored["crew"]] == ["marco.reyes@sailjada.com"]
    assert "coolers" in stored["notes"]
    crew_mail = [m for m in mail.outbox if m.to == ["marco.reyes@sailjada.com"]]
    assert len(crew_mail) == 1
    crew_facing = json.dumps(stored) + crew_mail[0].body + str(getattr(crew_mail[0], "alternatives", ""))
    for mark in MONEY_MARKS:
        assert mark not in crew_facing, mark

    out = _email(monkeypatch, "boatsetter-cancelled.eml")
    charter.refresh_from_db()
    assert out == f"cancelled {charter.code}"
    assert charter.status == CharterStatus.CANCELLED and charter.payout == Decimal("616.25")
    assert _states(charter) == [SyncState.SYNCED] * 3
    assert not InternalCalendarEvent.objects.filter(charter_id=charter.code).exists()
    with httpx.Client(base_url=live_server.url) as client:
        cancelled = client.get(
            f"/api/scc/events/{event.remote_id}", headers={"X-Service-Key": settings.TEST_SERVICE_KEY}
        ).json()
    assert cancelled["status"] == "cancelled"
    withdrawn = aws_client("s3").get_object(Bucket=charter.brand.bucket, Key=page.object_key)["Body"].read().decode()
    assert 'id="cancelled"' in withdrawn
