"""`manage.py redrive`: re-enqueue everything left behind (beat runs the same function)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bookings.reconcile import REDRIVE_AFTER, redrive


class Command(BaseCommand):
    help = (
        "Re-enqueue targets pending, failed or out of date, and crew notifications and guest messages not sent, "
        "left for longer than a short grace; prints how many of each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            default=REDRIVE_AFTER.total_seconds(),
            help=f"Grace in seconds (default {int(REDRIVE_AFTER.total_seconds())}); 0 re-drives everything now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = redrive(older_than=timedelta(seconds=max(0.0, options["older_than"])))
        for name, count in counts.items():
            self.stdout.write(f"{name.replace('_', ' ')}: {count}")
