from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bookings.models import Brand
from crew.dynamo import crew_events_table_ensure
from guestpages.storage import brand_bucket_ensure
from jada.errors import JadaError


class Command(BaseCommand):
    help = "Idempotently create each brand's bucket (with CORS for photo uploads) and the crew-events table."

    def handle(self, *args: Any, **options: Any) -> None:
        target = settings.AWS_ENDPOINT_URL or "real AWS"
        try:
            for brand in Brand.objects.order_by("slug"):
                created = brand_bucket_ensure(brand)
                self.stdout.write(f"bucket {brand.bucket} ({brand.slug}): {'created' if created else 'ok'}")
            created = crew_events_table_ensure()
            self.stdout.write(f"table {settings.CREW_EVENTS_TABLE}: {'created' if created else 'ok'}")
        except JadaError as exc:
            raise CommandError(exc.message) from None
        except (BotoCoreError, ClientError) as exc:
            raise CommandError(f"AWS at {target} refused the bootstrap: {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"AWS side ready at {target}."))
