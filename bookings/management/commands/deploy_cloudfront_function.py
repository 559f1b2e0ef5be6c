from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings.models import Brand
from guestpages.cdn import cloudfront_function_deploy


class Command(BaseCommand):
    help = (
        "Create or update the brand's CloudFront Function from its key template and publish it (LIVE). "
        "Associate it with the distribution's viewer-request event once (see docs/guest-pages.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("brand_slug", help="The brand's slug, e.g. queenofsandiego.")
        parser.add_argument("--no-publish", action="store_true", help="Leave it in the DEVELOPMENT stage.")

    def handle(self, *args: Any, **options: Any) -> None:
        brand = Brand.objects.filter(slug=options["brand_slug"]).first()
        if brand is None:
            raise CommandError(f"No brand has slug {options['brand_slug']!r}.")
        try:
            result = cloudfront_function_deploy(brand, publish=not options["no_publish"])
        except (ClientError, BotoCoreError) as exc:
            target = settings.AWS_ENDPOINT_URL or "real AWS"
            raise CommandError(f"CloudFront at {target} refused the function: {exc}") from None
        self.stdout.write(
            f"Function {result['name']}: {result['action']}, stage {result['stage']}, ETag {result['etag']}"
        )
