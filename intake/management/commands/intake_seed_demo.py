from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from intake.demo import intake_seed_demo


class Command(BaseCommand):
    help = "Idempotently create the Boatsetter and GetMyBoat intake sources and JADA's listing names (after seed_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        for source in intake_seed_demo():
            names = "; ".join(listing.name for listing in source.listings.all())
            self.stdout.write(
                f"Intake source {source.name} (auto-confirm {'on' if source.auto_confirm else 'off'}): {names}"
            )
