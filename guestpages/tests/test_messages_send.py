"""Sending: from the charter's brand only, at most once — twice in a row, two senders at once, a crash."""

from __future__ import annotations

import threading
import time as clock
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from bookings.tests.factories import BrandFactory, CharterFactory
from guestpages.message_send import guest_messages_send
from guestpages.messages import guest_messages_redrive
from guestpages.models import GuestMessage
from guestpages.tests.messages_support import at, confirm, demo_charter, guest_mail, plan, send_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def charter(time_machine: Any) -> Any:
    time_machine.move_to(at(5, 27, 10), tick=False)
    return demo_charter(status="confirmed")  # planned directly below, without the flow


def test_running_the_sender_twice_sends_each_message_once(charter: Any, time_machine: Any) -> None:
    plan(charter)
    assert send_at(time_machine, at(5, 27, 10)) == {"confirmation": 1}
    assert send_at(time_machine, at(5, 27, 10)) == {}
    assert len(guest_mail()) == 1
    row = GuestMessage.objects.get(kind="confirmation")
    assert row.state == "sent" and row.message_id.endswith("@queenofsandiego.com>")
    assert guest_mail()[0].extra_headers["Message-ID"] == row.message_id


def test_every_message_is_from_the_charters_own_brand_domain(
    time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    time_machine.move_to(at(5, 27, 10), tick=False)
    queen = demo_charter()
    jada = BrandFactory(slug="sailjada")  # the demo's internal brand, sailjada.com
    jada.mail_from, jada.mail_reply_to = "charters@mail.sailjada.com", "office@sailjada.com"
    jada.save()
    other = CharterFactory(brand=jada, guest_email="sam@example.org", starts_at=at(5, 30, 9), ends_at=at(5, 30, 12))
    for charter in (queen, other):
        confirm(charter, django_capture_on_commit_callbacks)
    for moment in (at(5, 29, 9), at(5, 30, 12), at(5, 30, 19)):  # everything that was planned
        send_at(time_machine, moment)
    senders = {(m.to[0], m.from_email, m.reply_to[0]) for m in mail.outbox}
    assert senders == {
        ("jordan.avery@example.com", "Queen of San Diego <hello@queenofsandiego.com>", "hello@queenofsandiego.com"),
        ("sam@example.org", "Sail JADA <charters@mail.sailjada.com>", "office@sailjada.com"),
    }
    assert len(mail.outbox) == 8  # four kinds each, nothing crossed over


def test_the_send_guard_refuses_a_from_outside_the_brands_domain(charter: Any, time_machine: Any) -> None:
    brand = charter.brand
    brand.mail_from = "hello@sailjada.com"  # someone typed the other brand's address
    brand.save()
    plan(charter)
    assert send_at(time_machine, at(5, 27, 10)) == {}
    row = GuestMessage.objects.get(kind="confirmation")
    assert row.state == "failed"
    assert row.last_error == (
        "'hello@sailjada.com' is not on Queen of San Diego's domain queenofsandiego.com; guest mail must come from it."
    )
    assert mail.outbox == []


class _RefusingBackend(EmailBackend):
    calls = 0

    def send_messages(self, messages: Any) -> int:
        type(self).calls += 1
        if type(self).calls == 1:
            raise ConnectionRefusedError("the mail server said no")
        return super().send_messages(messages)


def test_a_refused_send_is_retried_later_and_sent_once(charter: Any, time_machine: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = f"{__name__}._RefusingBackend"
    plan(charter)
    report = guest_messages_send()
    assert (report.retrying, dict(report.sent)) == (1, {})
    row = GuestMessage.objects.get(kind="confirmation")
    assert row.state == "due" and row.last_error.startswith("Not accepted: ConnectionRefusedError")
    assert send_at(time_machine, at(5, 27, 10, 4)) == {}  # back-off: five minutes
    assert send_at(time_machine, at(5, 27, 10, 5)) == {"confirmation": 1}
    assert len(guest_mail()) == 1


class _DyingBackend(EmailBackend):
    """Hands the message over, then the process 'dies' before the row is marked sent."""

    def send_messages(self, messages: Any) -> int:
        super().send_messages(messages)
        raise SystemExit("worker killed")


def test_a_crash_between_send_and_mark_never_sends_twice(charter: Any, time_machine: Any, settings: Any) -> None:
    plan(charter)
    settings.EMAIL_BACKEND = f"{__name__}._DyingBackend"
    with pytest.raises(SystemExit):
        guest_messages_send()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert GuestMessage.objects.get(kind="confirmation").state == "sending"
    assert send_at(time_machine, at(5, 27, 11)) == {}  # a `sending` row is never claimed again
    assert guest_messages_redrive(older_than=timedelta(minutes=10)) == 0
    row = GuestMessage.objects.get(kind="confirmation")
    assert row.state == "uncertain" and "may or may not have been sent" in row.last_error
    assert send_at(time_machine, at(5, 28, 11)) == {}
    assert len(guest_mail()) == 1


def test_redrive_hands_overdue_messages_to_a_worker_again(charter: Any, time_machine: Any) -> None:
    plan(charter)  # its on-commit task was "lost": nothing ran
    time_machine.move_to(at(5, 27, 10, 30), tick=False)
    assert guest_messages_redrive(older_than=timedelta(minutes=10)) == 1  # the eager task sends it
    assert len(guest_mail()) == 1
    assert guest_messages_redrive(older_than=timedelta(minutes=10)) == 0


def test_the_command_prints_how_many_of_each_kind(charter: Any, time_machine: Any) -> None:
    plan(charter)
    out = StringIO()
    call_command("guest_messages_send", stdout=out)
    assert out.getvalue().splitlines() == [
        "confirmation: 1",
        "reminder: 0",
        "photo_open: 0",
        "moved: 0",
        "cancelled: 0",
        "thank_you: 0",
        "deferred (quiet hours): 0, skipped: 0, retrying: 0, failed: 0",
    ]


class _SlowBackend(EmailBackend):
    lock = threading.Lock()

    def send_messages(self, messages: Any) -> int:
        clock.sleep(0.01)  # long enough for the other sender to look for work meanwhile
        with self.lock:
            return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_on_postgresql_send_each_message_once(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SELECT … FOR UPDATE SKIP LOCKED is the PostgreSQL path")
    settings.EMAIL_BACKEND = f"{__name__}._SlowBackend"
    brand = BrandFactory(slug="queen", domain="queen.example.com")
    charters = [CharterFactory(brand=brand, status="confirmed", guest_email=f"g{i}@example.com") for i in range(60)]
    GuestMessage.objects.bulk_create(  # rows as the plan writes them (its on-commit task would send them here)
        GuestMessage(charter=c, kind="confirmation", to_email=c.guest_email, due_at=timezone.now()) for c in charters
    )
    start = threading.Barrier(2)
    reports: list[Any] = []

    def sender() -> None:
        try:
            start.wait()
            reports.append(guest_messages_send(limit=1000))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(reports) == 2
    assert sum(r.sent["confirmation"] for r in reports) == 60
    assert all(r.sent["confirmation"] > 0 for r in reports), [dict(r.sent) for r in reports]  # both did work
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.guest_email for c in charters)
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 60
    assert set(GuestMessage.objects.filter(kind="confirmation").values_list("state", flat=True)) == {"sent"}


def test_the_claim_reads_the_brands_wording_with_the_row(charter: Any) -> None:
    """One statement for the row and the brand's template for its kind: it decides both whether
    the kind is switched off and the wording sent; the suppression check and the claim follow."""
    from django.test.utils import CaptureQueriesContext

    from guestpages.message_models import GuestMessageTemplate

    template = GuestMessageTemplate.objects.create(
        brand=charter.brand, kind="confirmation", subject="Ahoy {{ guest_name }}", body=""
    )
    plan(charter)
    with CaptureQueriesContext(connection) as queries:
        assert guest_messages_send(now=at(5, 27, 10)).sent == {"confirmation": 1}
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # find the due rows, the row with its template, the suppression check, `sending`, `sent`, find again
    assert len(statements) == 6
    assert sum("guestpages_guestmessagetemplate" in sql for sql in statements) == 1
    (sent,) = guest_mail()
    assert sent.subject == f"Ahoy {charter.guest_name}"
    assert f"Your charter aboard {charter.vessel.name} is confirmed" in sent.body  # ours: the brand's body is blank

    template.enabled = False
    template.save()
    GuestMessage.objects.filter(kind="confirmation").update(state="due")
    assert guest_messages_send(now=at(5, 27, 10)).skipped == 1
    assert "has switched this kind off" in GuestMessage.objects.get(kind="confirmation").last_error
