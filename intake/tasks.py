"""Intake's Celery tasks: each loads a row by id and calls one service."""

from __future__ import annotations

import random

from celery import shared_task

from intake.models import IntakeFeed, IntakeMessage, MessageState

POLL_JITTER_SECONDS = 120


@shared_task(name="intake.tasks.intake_message_process", acks_late=True)
def intake_message_process(message_id: int) -> str:
    from intake.services import intake_message_process as process

    message = IntakeMessage.objects.filter(pk=message_id, state=MessageState.RECEIVED).first()
    return process(message=message).text if message else "skipped"


@shared_task(name="intake.tasks.feeds_poll")
def feeds_poll() -> int:
    """Beat, every 10 minutes: one task per feed, spread over two minutes so marketplaces see no burst."""
    from jada.health import beat_heartbeat

    beat_heartbeat("intake.tasks.feeds_poll")
    ids = list(IntakeFeed.objects.filter(enabled=True).values_list("pk", flat=True))
    for feed_id in ids:
        feed_poll.apply_async(args=(feed_id,), countdown=random.uniform(0, POLL_JITTER_SECONDS))
    return len(ids)


@shared_task(name="intake.tasks.feed_poll", acks_late=True)
def feed_poll(feed_id: int) -> str:
    from intake.feeds import feed_poll as poll

    feed = IntakeFeed.objects.filter(pk=feed_id).first()
    return poll(feed=feed).line() if feed else "skipped"
