from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings.models import Vessel
from intake.feeds import feed_add
from intake.models import IntakeSource


class Command(BaseCommand):
    help = "Register a marketplace iCal feed for a vessel (idempotent by URL) and print its id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", required=True, help="Intake source name, e.g. boatsetter.")
        parser.add_argument("--vessel", required=True, help="Vessel name, e.g. JADA.")
        parser.add_argument("url")

    def handle(self, *args: Any, **options: Any) -> None:
        source = IntakeSource.objects.filter(name=options["source"]).first()
        if source is None:
            raise CommandError(f"No intake source {options['source']!r}.")
        vessel = Vessel.objects.filter(name__iexact=options["vessel"]).first()
        if vessel is None:
            raise CommandError(f"No vessel {options['vessel']!r}.")
        url = options["url"]
        if not url.startswith(("https://", "http://")):
            raise CommandError("The feed URL must start with https:// (or http://).")
        feed, created = feed_add(source=source, vessel=vessel, url=url)
        if not created and (feed.source_id, feed.vessel_id) != (source.pk, vessel.pk):
            raise CommandError(f"Feed {feed.pk} already has this URL for {feed.source} · {feed.vessel}.")
        self.stdout.write(str(feed.pk))
