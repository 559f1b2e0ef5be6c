"""Brands, vessel and charters for the benchmarks that go through the database.

The product's own commands set up the demo brands and their AWS side (``seed_demo``,
``bootstrap_aws``), so the benchmarks publish into exactly the buckets and distributions the
product would use.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any


def demo_aws_ready() -> Any:
    """Seed the demo rows and create their buckets, table and distributions; returns the guest brand."""
    from django.core.management import call_command

    from bookings.models import Brand

    call_command("seed_demo", verbosity=0)
    call_command("bootstrap_aws", verbosity=0)
    brand = Brand.objects.filter(distribution_id__gt="").exclude(bucket="").order_by("pk").first()
    if brand is None:
        raise RuntimeError("seed_demo/bootstrap_aws left no brand with a bucket and a distribution")
    return brand


def charters_create(count: int, *, brand: Any, status: str = "confirmed", label: str = "bench") -> list[Any]:
    """``count`` charters of ``brand`` carrying the money fields a real booking has."""
    from django.db.models import Max
    from django.utils import timezone

    from bookings.models import Charter, Vessel

    vessel = Vessel.objects.order_by("pk").first()
    start = timezone.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=7)
    # After every charter already on the vessel: confirmed charters may not overlap (bookings/conflicts.py).
    latest = Charter.objects.filter(vessel=vessel).aggregate(end=Max("ends_at"))["end"]
    if latest is not None and latest + timedelta(days=1) > start:
        start = (latest + timedelta(days=1)).replace(microsecond=0, second=0, minute=0)
    rows = [
        Charter(
            brand=brand,
            vessel=vessel,
            guest_name=f"Guest {label} {i}",
            guest_email=f"guest{i}@{label}.example",
            party_size=6,
            starts_at=start + timedelta(hours=4 * i),
            ends_at=start + timedelta(hours=4 * i + 3),
            meeting_point="Dock 7, Shelter Island Marina",
            status=status,
            gross_revenue=Decimal("1450.00"),
            platform_fee=Decimal("217.50"),
            captain_fee=Decimal("300.00"),
            crew_notes="Meet at dock 7 at 14:00, party of 6. Captain fee $300.",
            guest_notes="Bring sunscreen and a light jacket.",
        )
        for i in range(count)
    ]
    created = Charter.objects.bulk_create(rows, batch_size=500)
    pks = [c.pk for c in created]
    return list(Charter.objects.filter(pk__in=pks).select_related("brand", "vessel").order_by("pk"))
