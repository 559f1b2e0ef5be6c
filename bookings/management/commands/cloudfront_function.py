from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings.models import Brand
from guestpages.cloudfront import cloudfront_function_source


class Command(BaseCommand):
    help = (
        "Print the brand's CloudFront Function (runtime cloudfront-js-2.0, viewer request) that maps "
        "/g/<CODE> to the key the publisher writes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("brand_slug", help="The brand's slug, e.g. queenofsandiego.")

    def handle(self, *args: Any, **options: Any) -> None:
        brand = Brand.objects.filter(slug=options["brand_slug"]).first()
        if brand is None:
            slugs = ", ".join(Brand.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No brand has slug {options['brand_slug']!r} (brands: {slugs}).")
        self.stdout.write(
            cloudfront_function_source(key_template=brand.guest_page_key_template, brand_slug=brand.slug), ending=""
        )
