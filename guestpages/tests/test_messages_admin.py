"""The charter page lists the guest's messages and resends one; brands word and switch off kinds."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guestpages.message_delivery import guest_delivery_event_record
from guestpages.models import GuestMessage, GuestMessageTemplate
from guestpages.tests.messages_support import at, confirm, demo_charter, guest_mail, reschedule, send_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def charter(time_machine: Any, django_capture_on_commit_callbacks: Any) -> Any:
    time_machine.move_to(at(5, 27, 10), tick=False)
    return confirm(demo_charter(), django_capture_on_commit_callbacks)


def _inline_rows(html: str) -> list[str]:
    """Each guest-message row of the charter page as its visible text, squeezed."""
    block = html.split('id="guest_messages-group"', 1)[1].split("</fieldset>", 1)[0]
    rows = re.findall(r'<tr class="form-row[^"]*"[^>]*>(.*?)</tr>', block, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_the_charter_page_shows_due_sent_voided_and_bounced_messages(
    admin_client: Client, charter: Any, django_capture_on_commit_callbacks: Any
) -> None:
    reschedule(charter, django_capture_on_commit_callbacks, at(6, 2, 15), at(6, 2, 18))
    moved = GuestMessage.objects.get(kind="moved")
    guest_delivery_event_record(
        event_id="sns-1", event_type="bounced", recipient=moved.to_email, metadata={"guest_message": str(moved.pk)}
    )
    page = admin_client.get(reverse("admin:bookings_charter_change", args=[charter.pk]))
    assert page.status_code == 200
    rows = _inline_rows(page.content.decode())
    assert "Confirmation 1 jordan.avery@example.com Sent Wed 27 May 2026 10:00 PDT" in rows[0], rows
    assert rows[0].endswith("Resend")
    assert any("Reminder (day before) 1 jordan.avery@example.com Voided Fri 29 May" in r for r in rows), rows
    assert any("Moved (what changed) 1 jordan.avery@example.com Bounced" in r for r in rows), rows
    assert any("Reminder (day before) 2 jordan.avery@example.com Due Mon 01 Jun 2026 09:00 PDT" in r for r in rows)


def test_staff_resend_a_message_as_a_new_version(
    admin_client: Client, charter: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = GuestMessage.objects.get(kind="confirmation")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:guestpages_guestmessage_resend", args=[first.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:bookings_charter_change", args=[charter.pk])
    assert [str(m) for m in response.context["messages"]] == ["Confirmation queued again as version 2."]
    assert [m.subject for m in guest_mail()] == ["You're booked: JADA on Saturday, May 30, 2026"] * 2
    assert dict(GuestMessage.objects.filter(kind="confirmation").values_list("version", "state")) == {
        1: "sent",
        2: "sent",
    }
    assert admin_client.get(reverse("admin:guestpages_guestmessage_resend", args=[first.pk])).status_code == 405


def test_a_brand_words_a_kind_with_a_preview_and_can_switch_it_off(
    admin_client: Client, charter: Any, time_machine: Any
) -> None:
    add = reverse("admin:guestpages_guestmessagetemplate_add")
    wording = {"brand": charter.brand.pk, "kind": "reminder", "enabled": "on"}
    broken = admin_client.post(add, {**wording, "subject": "See you {% if %}", "body": ""})
    assert broken.status_code == 200 and "The subject is not a valid template" in broken.content.decode()

    admin_client.post(add, {**wording, "subject": "Ahoy {{ guest_first_name }}, tomorrow at {{ start_time_label }}"})
    template = GuestMessageTemplate.objects.get()
    preview = admin_client.get(reverse("admin:guestpages_guestmessagetemplate_change", args=[template.pk]))
    assert "<strong>Subject:</strong> Ahoy Jordan, tomorrow at 2:00 PM" in preview.content.decode()

    assert send_at(time_machine, at(5, 29, 9)) == {"reminder": 1}
    assert guest_mail()[-1].subject == "Ahoy Jordan, tomorrow at 2:00 PM"  # the real guest's message

    GuestMessageTemplate.objects.filter(kind="reminder").update(enabled=False)
    GuestMessageTemplate.objects.create(brand=charter.brand, kind="photo_open", enabled=False)
    assert send_at(time_machine, at(5, 30, 12)) == {}
    assert GuestMessage.objects.get(kind="photo_open").last_error == (
        "skipped: Queen of San Diego has switched this kind off"
    )
