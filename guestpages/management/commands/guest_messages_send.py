"""``manage.py guest_messages_send``: send the guest messages due now; print how many of each kind."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from guestpages.message_send import guest_messages_send


class Command(BaseCommand):
    help = "Send the guest messages that are due now (beat does this every few minutes); prints how many of each kind."

    def handle(self, *args: Any, **options: Any) -> None:
        for line in guest_messages_send().lines():
            self.stdout.write(line)
