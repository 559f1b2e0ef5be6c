"""Celery tasks of the guest messages: thin callers of ``guestpages.message_send``.

No task retries by itself: a send the ESP did not accept goes back to ``due`` with a back-off in
the ledger, and beat's ``guest_messages_send_due`` finds it. A task that runs twice (late ack
after a killed worker, a redrive) finds the row already claimed and sends nothing.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def guest_message_send(message_id: int) -> int:
    """Send one row now if it is (still) due; enqueued on commit by the plan and by resend."""
    from guestpages.message_send import guest_messages_send

    return sum(guest_messages_send(ids=[message_id]).sent.values())


@shared_task(acks_late=True)
def guest_messages_send_due() -> dict[str, int]:
    """Beat (CELERY_BEAT_SCHEDULE "guest-messages-send"): send everything due; sent per kind."""
    from guestpages.message_send import guest_messages_send
    from jada.health import beat_heartbeat

    beat_heartbeat("guestpages.tasks.guest_messages_send_due")
    return dict(guest_messages_send().sent)
