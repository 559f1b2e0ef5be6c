"""Fixtures and helpers for the crew-portal tests: crew members, events in the moto table, sign-in.

Events are written with the store's own writer (``crew.dynamo.crew_event_write``), so the
portal reads exactly the item shape the SCC side produces. ``dirty_item_put`` bypasses the
writer to plant a record that still holds money, to prove the portal never shows it.
Its fixtures (ana, ben, crew_table) reach every crew test through crew/tests/conftest.py.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from sesame.utils import get_query_string

from crew import dynamo
from crew.links import crew_login_link
from crew.models import CrewMember
from crew.money_check import money_findings
from crew.tests.factories import CrewMemberFactory
from jada.aws import aws_resource

LA = ZoneInfo("America/Los_Angeles")
MONEY_NOTES = "Meet at dock 7 at 14:00, party of 6. Revenue $1,450; captain fee $300; tip was 50. Total 2,000 USD"
# Anything that looks like an amount, or a financial word followed by a number.
MONEY_RE = re.compile(
    r"\$|USD|\b1,?450\b|\b2,?000\b|\b300\b|(?:revenue|fee|tip|total|price|payout)\W{0,3}(?:was\W+)?\d", re.IGNORECASE
)


def member_make(**fields: Any) -> CrewMember:
    """A crew member from the factory, typed as the model."""
    return cast(CrewMember, CrewMemberFactory(**fields))


@pytest.fixture
def crew_table() -> Any:
    dynamo.crew_events_table_ensure()
    return aws_resource("dynamodb").Table(settings.CREW_EVENTS_TABLE)


@pytest.fixture
def ana(db: None) -> CrewMember:
    return member_make(email="ana@example.com", name="Ana Captain")


@pytest.fixture
def ben(db: None) -> CrewMember:
    return member_make(email="ben@example.com", name="Ben Deckhand")


def crew_entry(member: CrewMember, role: str) -> dict[str, str]:
    return {"email": member.email, "name": member.name, "role": role}


def event_record(
    ref: str, *, crew: list[dict[str, str]], starts: datetime, hours: int = 4, version: int = 1, **fields: Any
) -> dict[str, Any]:
    """A crew-facing event like the SCC API stores it (times with a Pacific offset)."""
    starts = starts.astimezone(LA)
    record: dict[str, Any] = {
        "id": dynamo.crew_event_id(ref),
        "charter_ref": ref,
        "title": f"Sunset sail {ref}",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=hours)).isoformat(),
        "vessel": "JADA",
        "meeting_point": "Dock 7, Shelter Island Marina",
        "guest_count": 6,
        "crew": crew,
        "notes": "Bring the spare cooler.",
        "status": "confirmed",
        "updated_at": datetime.now(LA).isoformat(timespec="seconds"),
        "version": version,
    }
    record.update(fields)
    return record


def event_put(record: dict[str, Any], *, previous_crew: tuple[str, ...] = ()) -> dict[str, Any]:
    dynamo.crew_event_write(record, previous_crew=previous_crew)
    return record


def dirty_item_put(record: dict[str, Any], email: str) -> None:
    """Plant an unscrubbed event item and crew link (money in notes and extra attributes)."""
    table = aws_resource("dynamodb").Table(settings.CREW_EVENTS_TABLE)
    extra = {"notes": MONEY_NOTES, "revenue": "1450", "captain_fee": "$300"}
    event_item = {**dynamo.event_item(record), **extra}
    link_item = {**dynamo.crew_link_item(record, email), **extra}
    table.put_item(Item=event_item)
    table.put_item(Item=link_item)


def in_days(days: float, hour: int = 14) -> datetime:
    base = datetime.now(LA) + timedelta(days=days)
    return base.replace(hour=hour, minute=0, second=0, microsecond=0)


def token_of(member: CrewMember, scope: str | None = None) -> str:
    query = get_query_string(member.user, scope=settings.CREW_PORTAL_SCOPE if scope is None else scope)
    return query.split("=", 1)[1]


def confirm_path(member: CrewMember) -> str:
    return crew_login_link(member).removeprefix(str(settings.SITE_URL))


def sign_in(client: Client, member: CrewMember) -> None:
    """Sign in the way crew do: POST the token from a link to the confirm page."""
    response = client.post("/crew/login/confirm/", {"sesame": token_of(member)})
    assert response.status_code == 303, response.content[:500]


def assert_no_money(html: str) -> None:
    # Random tokens (CSRF, feed URL) can spell "5k" or "E5" by chance: they are not content.
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*"', r'\1"', html)
    html = re.sub(r"/crew/feed/[A-Za-z0-9_-]+\.ics", "/crew/feed/TOKEN.ics", html)
    found = MONEY_RE.search(html)
    assert found is None, (
        f"financial value in crew-facing output: {html[max(0, found.start() - 60) : found.end() + 60]!r}"
    )
    # What a person reads: no stylesheet ("margin: 0" is CSS, not a profit margin), no tags.
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", html, flags=re.DOTALL))
    findings = money_findings(text)
    assert findings == [], f"the money detector flags this page: {findings}"
