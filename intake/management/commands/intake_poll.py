from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.feeds import feed_poll
from intake.models import IntakeFeed


class Command(BaseCommand):
    help = "Fetch the marketplace iCal feeds now and print, per feed, what changed (or the fetch error)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--feed", type=int, help="Only this feed id.")

    def handle(self, *args: Any, **options: Any) -> None:
        feeds = IntakeFeed.objects.select_related("source__brand", "vessel").filter(enabled=True)
        if options.get("feed"):
            feeds = IntakeFeed.objects.select_related("source__brand", "vessel").filter(pk=options["feed"])
            if not feeds:
                raise CommandError(f"No feed {options['feed']}.")
        for feed in feeds:
            self.stdout.write(feed_poll(feed=feed).line())
