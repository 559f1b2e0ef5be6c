from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.models import IntakeSource
from intake.services import IntakeError, intake_email_receive


class Command(BaseCommand):
    help = "Read one raw RFC 822 message on stdin, as a marketplace sent it, and print the outcome."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", help="Intake source name (default: found from the sender).")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options.get("source")
        if name and not IntakeSource.objects.filter(name=name).exists():
            known = ", ".join(IntakeSource.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No intake source {name!r} (known: {known}).")
        raw = sys.stdin.buffer.read()
        try:
            outcome = intake_email_receive(raw=raw, via="command", source_name=name)
        except IntakeError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(outcome.text)
