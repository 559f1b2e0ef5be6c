"""The charter page shows exactly what crew will read, and any crew notice held back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bookings.demo import demo_seed
from crew.models import CrewMember, CrewNotification, NotificationState

pytestmark = pytest.mark.django_db
CREW_READ = "Meet at dock 7 at 14:00, party of 6. 2 coolers."


def test_the_charter_page_shows_what_crew_read_with_the_removed_phrases_marked(admin_client: Client) -> None:
    charter = demo_seed().charter
    html = admin_client.get(f"/admin/bookings/charter/{charter.pk}/change/").content.decode()
    assert f'<q id="jada-crew-notes-result">{CREW_READ}</q>' in html
    assert (
        '<del title="removed for crew" style="background:#fde2e2">Revenue $1,450, captain fee $300 — </del>meet at dock 7'
        in html
    )


def test_the_live_preview_answers_staff_only(admin_client: Client, client: Client) -> None:
    demo_seed()
    url = "/admin/bookings/charter/crew-preview/"
    answer = admin_client.post(url, {"text": "Tip 50-100 for the crew. Dock 7 at 14:00."}).json()
    assert answer["crew_text"] == "Dock 7 at 14:00."
    assert "<del" in answer["marked_html"] and "Tip 50-100" in answer["marked_html"]
    assert client.post(url, {"text": "x"}).status_code in (302, 403)


def test_a_held_crew_notice_is_shown_in_red_on_the_charter(admin_client: Client, db: Any) -> None:
    charter = demo_seed().charter
    captain = CrewMember.objects.get(email="marco.reyes@sailjada.com")
    CrewNotification.objects.create(
        event_id="evt_x",
        charter_ref=charter.code,
        crew_member=captain,
        version=1,
        kind="assigned",
        state=NotificationState.HELD,
        last_error='failed verification: notes: currency code "USD" near "300"',
    )
    html = admin_client.get(f"/admin/bookings/charter/{charter.pk}/change/").content.decode()
    assert "Crew notice to marco.reyes@sailjada.com held: failed verification: notes: currency code" in html
