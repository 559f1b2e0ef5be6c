"""The demo's marketplace side: Boatsetter and GetMyBoat, and JADA's listing names on both (as in the samples)."""

from __future__ import annotations

from django.db import transaction

from bookings.models import Brand, CharterSource, Vessel
from intake.models import IntakeSource, VesselListing

SOURCES = [
    {
        "name": "boatsetter",
        "kind": CharterSource.BOATSETTER,
        "sender_domains": "boatsetter.com",
        "listing": "JADA - 47' Catalina Sailboat",
        "aliases": "JADA",
    },
    {
        "name": "getmyboat",
        "kind": CharterSource.GETMYBOAT,
        "sender_domains": "getmyboat.com",
        "listing": "Sail San Diego Bay on a classic 47' sloop",
        "aliases": "",
    },
]
GUEST_BRAND = "queenofsandiego"


@transaction.atomic
def intake_seed_demo() -> list[IntakeSource]:
    """Idempotent: rows that exist are kept as staff left them (not auto-confirming by default)."""
    brand = Brand.objects.get(slug=GUEST_BRAND)
    vessel = Vessel.objects.get(name="JADA")
    sources = []
    for data in SOURCES:
        source, _ = IntakeSource.objects.get_or_create(
            name=data["name"],
            defaults={
                "kind": data["kind"],
                "brand": brand,
                "sender_domains": data["sender_domains"],
                "default_meeting_point": vessel.home_marina,
            },
        )
        VesselListing.objects.get_or_create(
            vessel=vessel, source=source, defaults={"name": data["listing"], "aliases": data["aliases"]}
        )
        sources.append(source)
    return sources
