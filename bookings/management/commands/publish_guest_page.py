from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings import flow
from bookings.models import Charter
from bookings.targets import target_push
from guestpages.models import GuestPage
from jada.errors import JadaError


class Command(BaseCommand):
    help = "Publish (or re-publish) one charter's guest page to its brand's bucket; prints the public URL and key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="Charter code, any case (e.g. XHQGMDH).")

    def handle(self, *args: Any, **options: Any) -> None:
        code = str(options["code"]).strip()
        charter = Charter.objects.select_related("brand", "vessel").filter(code=code.upper()).first()
        if charter is None:
            raise CommandError(f"No charter has code {code!r}. Check the code in the admin (Charters).")
        if charter.status == "cancelled":
            raise CommandError(f"{charter.code} is cancelled: its page is withdrawn (booking_flow {charter.code}).")
        try:
            # The booking flow's own push, run here and now: the row records what was published.
            flow.target_retry(charter=charter, kind="guest_page", actor="manage.py publish_guest_page")
            page = GuestPage.objects.get(charter=charter)
            if page.sync_state != "synced":
                target_push(kind="guest_page", row_id=page.pk)
        except JadaError as exc:
            raise CommandError(f"{charter.code} was not published: {exc.message}") from None
        page.refresh_from_db()
        self.stdout.write(f"Public URL: {page.public_url}")
        self.stdout.write(f"Object key: {page.object_key}")
        self.stdout.write(f"Bucket:     {page.bucket} (brand {charter.brand.slug}, version {page.published_version})")
