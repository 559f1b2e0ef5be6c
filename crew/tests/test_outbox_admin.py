"""Staff see a crew event's notifications on its page and filter the outbox by state."""

from __future__ import annotations

import pytest
from django.test import Client

from bookings.tests.factories import CharterFactory
from crew.dynamo import crew_event_id
from crew.models import CrewEvent, CrewMember, CrewNotification

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(ana: CrewMember, ben: CrewMember) -> tuple[CrewEvent, list[CrewNotification]]:
    charter = CharterFactory(code="XHQGMDH")
    event = CrewEvent.objects.create(charter=charter)
    made = [
        CrewNotification.objects.create(
            event_id=crew_event_id("XHQGMDH"), charter_ref="XHQGMDH", crew_member=ana, version=1, state="sent"
        ),
        CrewNotification.objects.create(
            event_id=crew_event_id("XHQGMDH"),
            charter_ref="XHQGMDH",
            crew_member=ben,
            version=1,
            state="held",
            last_error="failed verification: revenue",
        ),
    ]
    return event, made


def test_the_crew_event_page_lists_its_notifications(admin_client: Client, rows: tuple[CrewEvent, list]) -> None:
    event, _made = rows
    page = admin_client.get(f"/admin/crew/crewevent/{event.pk}/change/").content.decode()
    assert "Crew notifications" in page
    assert page.count('class="jada-notification ') == 2
    assert "Held (not clean)" in page and "failed verification: revenue" in page and ">Sent<" in page


def test_the_outbox_list_filters_by_state(admin_client: Client, rows: tuple[CrewEvent, list]) -> None:
    _event, made = rows
    held = admin_client.get("/admin/crew/crewnotification/?state__exact=held").content.decode()
    assert "1 crew notification" in held and made[1].crew_member.name in held
    assert made[0].crew_member.name not in held.split('id="result_list"')[1]
    assert admin_client.get("/admin/crew/crewnotification/add/").status_code == 403


def test_send_again_puts_a_row_back_to_pending(admin_client: Client, rows: tuple[CrewEvent, list]) -> None:
    _event, made = rows
    response = admin_client.post(
        "/admin/crew/crewnotification/",
        {"action": "send_again", "_selected_action": [r.pk for r in made]},
        follow=True,
    )
    assert "1 notification(s) queued to send again." in response.content.decode()
    assert sorted(CrewNotification.objects.values_list("state", flat=True)) == ["pending", "sent"]
