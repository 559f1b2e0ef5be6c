"""Helpers for the guest-message tests: the demo charter on a fixed clock, the flow's steps with
only the guest-message tasks run after commit, and the guest's mail from the locmem sink."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core import mail
from django.db import transaction
from django.utils import timezone

from bookings import flow
from bookings.demo import demo_seed
from guestpages.message_send import guest_messages_send
from guestpages.messages import guest_messages_plan
from guestpages.models import GuestMessage

PT = ZoneInfo("America/Los_Angeles")
GUEST = "jordan.avery@example.com"
GUEST_TASK = "guestpages.tasks.guest_message_send"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in 2026, San Diego time (the demo brand's zone)."""
    return datetime(2026, month, day, hour, minute, tzinfo=PT)


def demo_charter(status: str = "inquiry") -> Any:
    """The demo charter XHQGMDH on queenofsandiego.com, sailing Sat 30 May 2026 14:00–17:00 PDT."""
    charter = demo_seed().charter
    charter.starts_at, charter.ends_at, charter.status = at(5, 30, 14), at(5, 30, 17), status
    charter.save(update_fields=["starts_at", "ends_at", "status"])
    return charter


def run_guest_tasks(callbacks: list[Any]) -> None:
    """Run what the transaction enqueued for guest messages (the targets' tasks are not ours)."""
    for callback in callbacks:
        if callback.func.__self__.name == GUEST_TASK:
            callback()


def confirm(charter: Any, capture: Any, *, run: bool = True) -> Any:
    with capture() as callbacks:
        charter = flow.charter_confirm(charter=charter, actor="test")
    if run:
        run_guest_tasks(callbacks)
    return charter


def cancel(charter: Any, capture: Any) -> Any:
    with capture() as callbacks:
        charter = flow.charter_cancel(charter=charter, actor="test")
    run_guest_tasks(callbacks)
    return charter


def reschedule(charter: Any, capture: Any, starts_at: datetime, ends_at: datetime, *, run: bool = True) -> Any:
    with capture() as callbacks:
        charter = flow.charter_reschedule(charter=charter, starts_at=starts_at, ends_at=ends_at, actor="test")
    if run:
        run_guest_tasks(callbacks)
    return charter


def plan(charter: Any, reason: str = "confirmed") -> list[GuestMessage]:
    with transaction.atomic():
        return guest_messages_plan(charter=charter, reason=reason)


def send_at(time_machine: Any, moment: datetime) -> dict[str, int]:
    time_machine.move_to(moment, tick=False)
    return dict(guest_messages_send().sent)


def guest_mail(to: str = GUEST) -> list[Any]:
    return [m for m in mail.outbox if m.to == [to]]


def due_local(charter: Any) -> dict[str, datetime]:
    """Kind → local due time of the charter's rows still due."""
    rows = GuestMessage.objects.filter(charter=charter, state="due")
    return {row.kind: timezone.localtime(row.due_at, PT) for row in rows}


def html_of(message: Any) -> str:
    return str(message.alternatives[0][0])
