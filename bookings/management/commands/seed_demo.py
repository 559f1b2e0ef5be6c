from __future__ import annotations

import os
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings.demo import demo_seed


class Command(BaseCommand):
    help = "Idempotently create the demo brands, the vessel JADA, crew and the Boatsetter charter XHQGMDH."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--admin-username", default="admin", help="Superuser to create (with a password only).")
        parser.add_argument(
            "--admin-password",
            default=os.environ.get("DEMO_ADMIN_PASSWORD"),
            help="Password for the demo superuser (default: $DEMO_ADMIN_PASSWORD; 'jada-demo' when DEBUG).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["admin_password"] or ("jada-demo" if settings.DEBUG else None)
        if password and not settings.DEBUG and len(password) < 12:
            raise CommandError("--admin-password must be at least 12 characters outside DEBUG.")
        result = demo_seed(admin_username=options["admin_username"], admin_password=password)
        verb = "Created" if result.created else "Kept existing"
        self.stdout.write(f"{verb} charter {result.charter.code} on {result.charter.brand.domain}.")
        if result.admin_username:
            self.stdout.write(f"Admin user: {result.admin_username}")
        # The marketplace sources live in intake, which bookings never imports (DESIGN.md Architecture).
        if apps.is_installed("intake"):
            call_command("intake_seed_demo", stdout=self.stdout)
