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
    assert sorted(m.to[0] for m in mail.outbox) == ["dana.whitfield@sailjada.com", "marco.reyes@sailjada.com"]

    assert _run("xhqgmdh").count("synced") == 3  # re-run: same targets, nobody told twice
    assert len(mail.outbox) == 2

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
    assert len(mail.outbox) == 4


def test_unknown_code_is_a_clear_error(embedded: None) -> None:
    with pytest.raises(AssertionError, match="No charter with code 'NOSUCH'"):
        _run("nosuch")


def test_failed_target_exits_non_zero_with_its_error(embedded: None, settings: Any) -> None:
    settings.CALENDAR_API_URL = "http://127.0.0.1:9/api/calendar"
    out = StringIO()
    with pytest.raises(CommandError, match="1 target"):
        call_command("booking_flow", "XHQGMDH", stdout=out)
    assert "Calendar entry  failed" in out.getvalue()
    assert "last error: The calendar could not be reached (ConnectError)." in out.getvalue()
