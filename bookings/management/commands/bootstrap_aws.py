from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bookings.models import Brand
from crew.dynamo import crew_events_table_ensure
from guestpages.cdn import distribution_exists, stand_in_distribution_ensure
from guestpages.storage import aws_is_stand_in, brand_bucket_ensure
from jada.errors import JadaError


class Command(BaseCommand):
    help = (
        "Idempotently create each brand's bucket (with CORS for photo uploads) and the crew-events table. "
        "On a local stand-in (AWS_ENDPOINT_URL) it also creates a CloudFront distribution for any brand "
        "whose distribution is missing there; on real AWS a missing distribution is only reported."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        target = settings.AWS_ENDPOINT_URL or "real AWS"
        try:
            for brand in Brand.objects.order_by("slug"):
                created = brand_bucket_ensure(brand)
                self.stdout.write(f"bucket {brand.bucket} ({brand.slug}): {'created' if created else 'ok'}")
                self._distribution(brand)
            created = crew_events_table_ensure()
            self.stdout.write(f"table {settings.CREW_EVENTS_TABLE}: {'created' if created else 'ok'}")
        except JadaError as exc:
            raise CommandError(exc.message) from None
        except (BotoCoreError, ClientError) as exc:
            raise CommandError(f"AWS at {target} refused the bootstrap: {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"AWS side ready at {target}."))

    def _distribution(self, brand: Brand) -> None:
        if distribution_exists(brand):
            self.stdout.write(f"distribution {brand.distribution_id} ({brand.slug}): ok")
            return
        if not aws_is_stand_in():
            self.stdout.write(
                self.style.WARNING(
                    f"distribution {brand.distribution_id or '(none)'} ({brand.slug}): MISSING on real AWS — "
                    "create it in CloudFront and set its id on the brand; guest pages cannot be invalidated until then."
                )
            )
            return
        old = brand.distribution_id or "(none)"
        brand.distribution_id = stand_in_distribution_ensure(brand)
        brand.save(update_fields=["distribution_id"])
        self.stdout.write(f"distribution {brand.distribution_id} ({brand.slug}): created on the stand-in (was {old})")
