from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings.models import Charter
from guestpages.services import guest_page_publish
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
        try:
            page = guest_page_publish(charter=charter, actor="manage.py publish_guest_page")
        except JadaError as exc:
            raise CommandError(f"{charter.code} was not published: {exc.message}") from None
        self.stdout.write(f"Public URL: {page.public_url}")
        self.stdout.write(f"Object key: {page.object_key}")
        self.stdout.write(f"Bucket:     {page.bucket} (brand {charter.brand.slug}, version {page.published_version})")
