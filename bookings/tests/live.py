"""The demo charter confirmed on `make run`'s embedded setup, and readers of what each target holds.

Tasks run in-process after commit; the calendar and SCC APIs answer over HTTP on the live server;
AWS is a moto server. Read outcomes where they land: the bucket, the calendar API, the SCC API.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from bookings import flow
from bookings.calendar_client import CalendarClient
from bookings.demo import demo_seed
from bookings.models import Brand, CalendarEntry, Charter
from bookings.targets import target_status
from crew.client import SccClient
from crew.models import CrewEvent
from guestpages.models import GuestPage
from jada.aws import aws_client

NEW_DOCK = "Dock 9, Harbor Island West Marina"


@pytest.fixture
def confirmed(live_server: Any, moto_server: str, settings: Any) -> Iterator[Charter]:
    settings.SITE_URL = settings.PUBLIC_API_URL = live_server.url
    settings.SCC_API_URL = f"{live_server.url}/api/scc"
    settings.CALENDAR_API_URL = f"{live_server.url}/api/calendar"
    charter = demo_seed().charter
    call_command("bootstrap_aws", stdout=StringIO())
    flow.charter_confirm(charter=charter, actor="test")
    fresh = Charter.objects.select_related("brand", "vessel").get(pk=charter.pk)
    fresh.confirmation_mail = list(mail.outbox)  # type: ignore[attr-defined]  # what confirming sent
    mail.outbox.clear()
    yield fresh


def page_html(charter: Charter, brand: Brand | None = None) -> str:
    brand = brand or charter.brand
    key = f"jada-guest-{charter.code.lower()}.html"
    return str(aws_client("s3", region=brand.region).get_object(Bucket=brand.bucket, Key=key)["Body"].read().decode())


def bucket_keys(brand: Brand) -> list[str]:
    listing = aws_client("s3", region=brand.region).list_objects_v2(Bucket=brand.bucket)
    return [item["Key"] for item in listing.get("Contents", []) if item["Key"].endswith(".html")]


def calendar_entry(code: str) -> dict[str, Any] | None:
    return CalendarClient().entry_get(code)


def crew_event(code: str) -> dict[str, Any] | None:
    return SccClient().event_find(code)


def crew_mail_to(email: str) -> list[str]:
    return [str(m.subject) for m in mail.outbox if m.to == [email] and "JADA Ops" in m.body]


def all_current(charter: Charter) -> bool:
    rows: list[Any] = [GuestPage.objects.get(charter=charter), CalendarEntry.objects.get(charter=charter)]
    rows.append(CrewEvent.objects.get(charter=charter))
    return all(target_status(row) == "synced" for row in rows)
