"""Office staff see the exposure log and feed tokens in the admin; the log is read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from crew.models import CrewExposure, CrewFeedToken, CrewMember
from crew.portal.services import crew_feed_token_rotate

pytestmark = pytest.mark.django_db


@pytest.fixture
def exposure(ana: CrewMember) -> CrewExposure:
    return CrewExposure.objects.create(crew_member=ana, event_id="evt_0123456789abcdef0123", version=3, channel="feed")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/crew/crewexposure/",
        "/admin/crew/crewexposure/?channel__exact=feed",
        "/admin/crew/crewexposure/?q=evt_0123",
        "/admin/crew/crewfeedtoken/",
    ],
)
def test_staff_see_the_portal_records(admin_client: Client, exposure: CrewExposure, path: str) -> None:
    crew_feed_token_rotate(member=exposure.crew_member)
    response = admin_client.get(path)
    assert response.status_code == 200
    if "crewexposure" in path:
        assert b"evt_0123456789abcdef0123" in response.content


def test_exposure_log_is_read_only(admin_client: Client, exposure: CrewExposure) -> None:
    assert admin_client.get("/admin/crew/crewexposure/add/").status_code == 403
    change = admin_client.get(f"/admin/crew/crewexposure/{exposure.pk}/change/")
    assert change.status_code == 200 and b'name="_save"' not in change.content
    admin_client.post(f"/admin/crew/crewexposure/{exposure.pk}/change/", {"version": 9})
    exposure.refresh_from_db()
    assert exposure.version == 3


def test_feed_token_is_not_shown_whole_and_can_be_rotated(admin_client: Client, ana: CrewMember) -> None:
    token = crew_feed_token_rotate(member=ana)
    listing = admin_client.get("/admin/crew/crewfeedtoken/").content.decode()
    assert token.token not in listing and f"{token.token[:6]}…" in listing
    response = admin_client.post(
        "/admin/crew/crewfeedtoken/", {"action": "rotate", "_selected_action": [token.pk]}, follow=True
    )
    assert "Rotated 1 calendar feed URL(s)." in response.content.decode()
    assert CrewFeedToken.objects.get(crew_member=ana).token != token.token


def test_crew_cannot_open_the_log(client: Client, ana: CrewMember, exposure: Any) -> None:
    client.force_login(ana.user, backend="sesame.backends.ModelBackend")
    response = client.get("/admin/crew/crewexposure/")
    assert response.status_code == 403  # a non-staff session is refused outright (jada/mfa.py)
