"""`manage.py booking_flow` the way `make run` runs it: no broker, tasks in-process after commit.

The calendar and SCC clients call a live server over real HTTP (as they call `runserver` under
`make run`); AWS is moto in-process.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from bookings.demo import demo_seed
from bookings.models import InternalCalendarEvent
from bookings.tests.harness import needs_contracts
from guestpages.models import GuestMessage
from jada.aws import aws_client

pytestmark = [pytest.mark.django_db(transaction=True), needs_contracts]


@pytest.fixture
def embedded(live_server: Any, moto_server: str, settings: Any) -> Iterator[None]:
    settings.SITE_URL = settings.PUBLIC_API_URL = live_server.url
    settings.SCC_API_URL = f"{live_server.url}/api/scc"
    settings.CALENDAR_API_URL = f"{live_server.url}/api/calendar"
    assert settings.CELERY_TASK_ALWAYS_EAGER
    demo_seed()
    call_command("bootstrap_aws", stdout=StringIO())
    yield


def _run(*args: str) -> str:
    out = StringIO()
    try:
        call_command("booking_flow", *args, stdout=out)
    except CommandError as exc:
        raise AssertionError(f"{exc}\n{out.getvalue()}") from exc
    return out.getvalue()


def test_booking_flow_prints_three_synced_targets_then_withdraws(embedded: None) -> None:
    output = _run("XHQGMDH")
    lines = output.splitlines()
    assert lines[0] == "XHQGMDH confirmed (queenofsandiego.com)."
    assert [line.split()[-2] if "synced" in line else line for line in lines[1:]] == ["synced"] * 3, output
    assert "https://queenofsandiego.com/g/XHQGMDH" in output
    assert InternalCalendarEvent.objects.filter(charter_id="XHQGMDH").count() == 1
    assert _crew_mail() == ["dana.whitfield@sailjada.com", "marco.reyes@sailjada.com"]
    assert _guest_mail() == ["confirmation"]

    assert _run("xhqgmdh").count("synced") == 3  # re-run: same targets, nobody told twice
    assert len(mail.outbox) == 3

    withdrawn = _run("XHQGMDH", "--cancel")
    assert withdrawn.splitlines()[0] == "XHQGMDH cancelled (queenofsandiego.com)."
    assert withdrawn.count("synced") == 3
    for said in ("Guest page      synced   withdrawn", "removed", "cancelled, crew told"):
        assert said in withdrawn, withdrawn
    assert not InternalCalendarEvent.objects.exists()
    # Withdrawing replaces the page with a short "cancelled" notice: no trip details left.
    body = aws_client("s3").get_object(Bucket="queenofsandiego-guest-pages", Key="jada-guest-xhqgmdh.html")["Body"]
    html = body.read().decode()
    assert 'id="cancelled"' in html and "Dock 7" not in html
    assert len(_crew_mail()) == 4
    assert _guest_mail() == ["confirmation", "cancelled"]


def _crew_mail() -> list[str]:
    return sorted(m.to[0] for m in mail.outbox if m.to[0].endswith("@sailjada.com"))


def _guest_mail() -> list[str]:
    """Kinds of the guest messages the demo guest got, each checked against the mail sink."""
    to_guest = [m for m in mail.outbox if m.to == ["jordan.avery@example.com"]]
    sent = GuestMessage.objects.filter(state="sent").order_by("id")
    assert [m.extra_headers["Message-ID"] for m in to_guest] == [row.message_id for row in sent]
    return [row.kind for row in sent]
