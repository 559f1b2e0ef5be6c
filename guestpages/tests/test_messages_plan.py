"""The guest's messages over a charter's life, on a fixed clock: what is sent, when, and once."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from guestpages.models import GuestMessage
from guestpages.tests.messages_support import (
    GUEST,
    PT,
    at,
    cancel,
    confirm,
    demo_charter,
    due_local,
    guest_mail,
    html_of,
    plan,
    reschedule,
    run_guest_tasks,
    send_at,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def charter(time_machine: Any) -> Any:
    time_machine.move_to(at(5, 27, 10), tick=False)  # Wed 27 May 2026, 10:00 in San Diego
    return demo_charter()


def test_confirming_the_demo_charter_sends_the_confirmation_at_once_and_schedules_the_rest_locally(
    charter: Any, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    confirm(charter, django_capture_on_commit_callbacks)

    [message] = guest_mail()
    assert message.from_email == "Queen of San Diego <hello@queenofsandiego.com>"
    assert message.reply_to == ["hello@queenofsandiego.com"]
    assert message.subject == "You're booked: JADA on Saturday, May 30, 2026"
    for seen in (
        "Saturday, May 30, 2026",
        "2:00 PM – 5:00 PM PDT",
        "Meeting point: Dock 7, Shelter Island Marina, 2051 Shelter Island Dr, San Diego",
        "Sunscreen, sunglasses and a hat",
        "Open your charter page: https://queenofsandiego.com/g/XHQGMDH",
    ):
        assert seen in message.body, message.body
    assert 'href="https://queenofsandiego.com/g/XHQGMDH"' in html_of(message)
    assert "List-Unsubscribe" not in message.extra_headers  # about their booking: not unsubscribable
    assert due_local(charter) == {
        "reminder": at(5, 29, 9),  # the day before, at the brand's reminder hour
        "photo_open": at(5, 30, 12),  # when the photo window opens (2 h before departure)
        "thank_you": at(5, 30, 19),  # after the trip
    }

    assert send_at(time_machine, at(5, 29, 8, 59)) == {}
    assert send_at(time_machine, at(5, 29, 9)) == {"reminder": 1}
    assert guest_mail()[-1].subject == "Tomorrow: JADA at 2:00 PM"
    assert send_at(time_machine, at(5, 30, 12)) == {"photo_open": 1}
    assert "https://queenofsandiego.com/g/XHQGMDH#photos" in guest_mail()[-1].body
    assert send_at(time_machine, at(5, 30, 19)) == {"thank_you": 1}
    thanks = guest_mail()[-1]
    assert "Share your photos: https://queenofsandiego.com/g/XHQGMDH#photos" in thanks.body  # window still open
    assert send_at(time_machine, at(6, 30, 12)) == {}
    assert [m.subject.split(":")[0] for m in guest_mail()] == [
        "You're booked",
        "Tomorrow",
        "Share your photos from JADA",
        "Thank you for sailing with Queen of San Diego",
    ]


def test_confirming_again_plans_nothing_new(charter: Any, django_capture_on_commit_callbacks: Any) -> None:
    confirm(charter, django_capture_on_commit_callbacks)
    confirm(charter, django_capture_on_commit_callbacks)
    assert GuestMessage.objects.count() == 4
    assert len(guest_mail()) == 1


def test_a_reschedule_tells_the_guest_what_changed_and_moves_the_scheduled_messages(
    charter: Any, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    confirm(charter, django_capture_on_commit_callbacks)
    reschedule(charter, django_capture_on_commit_callbacks, at(6, 2, 15), at(6, 2, 18))

    moved = guest_mail()[-1]
    assert moved.subject == "Changed: your charter on Tuesday, June 2, 2026"
    assert "- Date: Tuesday, June 2, 2026 (was Saturday, May 30, 2026)" in moved.body
    assert "- Time: 3:00 PM – 6:00 PM PDT (was 2:00 PM – 5:00 PM PDT)" in moved.body
    assert "Meeting point:" in moved.body and "- Meeting point" not in moved.body  # unchanged, not listed
    assert due_local(charter) == {"reminder": at(6, 1, 9), "photo_open": at(6, 2, 13), "thank_you": at(6, 2, 20)}
    assert set(GuestMessage.objects.filter(state="voided").values_list("kind", "version")) == {
        ("reminder", 1),
        ("photo_open", 1),
        ("thank_you", 1),
    }
    assert send_at(time_machine, at(5, 29, 9)) == {}  # the old reminder time: nothing
    assert send_at(time_machine, at(6, 1, 9)) == {"reminder": 1}
    assert [m.subject.split(":")[0] for m in guest_mail()] == ["You're booked", "Changed", "Tomorrow"]


def test_a_reschedule_before_the_confirmation_went_out_sends_one_confirmation_with_the_new_date(
    charter: Any, django_capture_on_commit_callbacks: Any, time_machine: Any
) -> None:
    confirm(charter, django_capture_on_commit_callbacks, run=False)  # the worker has not run yet
    reschedule(charter, django_capture_on_commit_callbacks, at(6, 2, 15), at(6, 2, 18), run=False)
    assert send_at(time_machine, at(5, 27, 10, 1)) == {"confirmation": 1}
    [message] = guest_mail()
    assert message.subject == "You're booked: JADA on Tuesday, June 2, 2026"
    states = dict(GuestMessage.objects.filter(kind="confirmation").values_list("version", "state"))
    assert states == {1: "voided", 2: "sent"}


def test_a_cancellation_voids_what_was_planned_and_sends_the_cancellation_with_the_contact_line(
    charter: Any, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    confirm(charter, django_capture_on_commit_callbacks)
    cancel(charter, django_capture_on_commit_callbacks)

    cancelled = guest_mail()[-1]
    assert cancelled.subject == "Cancelled: your charter on Saturday, May 30, 2026"
    assert "Questions? Call or text (619) 555-0142 · hello@queenofsandiego.com" in cancelled.body
    assert "Questions? Call or text (619) 555-0142" in html_of(cancelled)
    assert due_local(charter) == {}
    assert set(GuestMessage.objects.filter(state="voided").values_list("kind", flat=True)) == {
        "reminder",
        "photo_open",
        "thank_you",
    }
    assert send_at(time_machine, at(6, 30, 12)) == {}
    assert len(guest_mail()) == 2

    time_machine.move_to(at(5, 27, 11), tick=False)
    confirm(charter, django_capture_on_commit_callbacks)  # confirmed again: the guest hears so again
    assert [m.subject.split(":")[0] for m in guest_mail()] == ["You're booked", "Cancelled", "You're booked"]
    assert sorted(due_local(charter)) == ["photo_open", "reminder", "thank_you"]


def test_cancelling_an_inquiry_the_guest_never_heard_about_sends_nothing(
    charter: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cancel(charter, django_capture_on_commit_callbacks)
    assert guest_mail() == [] and not GuestMessage.objects.exists()


def test_quiet_hours_delay_the_reminder_and_a_late_confirmation(
    charter: Any, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    brand = charter.brand
    brand.mail_quiet_start, brand.mail_quiet_end, brand.mail_reminder_hour = time(21), time(8), 7
    brand.save()
    time_machine.move_to(at(5, 27, 22, 30), tick=False)
    confirm(charter, django_capture_on_commit_callbacks)
    assert guest_mail() == []  # 22:30 is inside the brand's quiet hours
    assert due_local(charter)["confirmation"] == at(5, 28, 8)
    assert due_local(charter)["reminder"] == at(5, 29, 8)  # 07:00 is quiet: pushed to 08:00

    assert send_at(time_machine, at(5, 28, 7, 59)) == {}
    assert send_at(time_machine, at(5, 28, 8)) == {"confirmation": 1}
    assert send_at(time_machine, at(5, 29, 7)) == {}
    assert send_at(time_machine, at(5, 29, 8)) == {"reminder": 1}
    sent = GuestMessage.objects.get(kind="reminder").sent_at
    assert sent is not None and sent.astimezone(PT).hour == 8


def test_a_guest_without_an_address_gets_no_rows(charter: Any, django_capture_on_commit_callbacks: Any) -> None:
    charter.guest_email = ""
    charter.save(update_fields=["guest_email"])
    confirm(charter, django_capture_on_commit_callbacks)
    assert not GuestMessage.objects.exists() and guest_mail(GUEST) == []


def test_an_edited_meeting_point_or_address_is_what_the_guest_hears_next(
    charter: Any, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    charter = confirm(charter, django_capture_on_commit_callbacks)
    charter.meeting_point, charter.guest_email = "Gate B, Harbor Island West Marina", "jordan@new.example.com"
    charter.save()
    with django_capture_on_commit_callbacks() as callbacks:
        plan(charter, "changed")  # what the flow's charter_edit calls
    run_guest_tasks(callbacks)
    [moved] = guest_mail("jordan@new.example.com")
    assert "- Meeting point: Gate B, Harbor Island West Marina (was Dock 7, Shelter Island Marina" in moved.body
    assert "- Date" not in moved.body and "- Time" not in moved.body
    assert send_at(time_machine, at(5, 29, 9)) == {"reminder": 1}
    assert guest_mail("jordan@new.example.com")[-1].subject.startswith("Tomorrow")
    assert len(guest_mail()) == 1  # the old address got only the confirmation
