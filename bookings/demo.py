"""The demo data: two brands, the vessel JADA, two crew and the Boatsetter charter XHQGMDH."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from bookings.models import Brand, Charter, CharterSource, CharterStatus, Vessel
from crew.models import CrewAssignment, CrewMember, CrewRole
from jada.office import OFFICE_GROUP, office_group_ensure

DEMO_CHARTER_CODE = "XHQGMDH"
BRANDS = [
    {
        "slug": "sailjada",
        "name": "Sail JADA",
        "domain": "sailjada.com",
        "bucket": "sailjada-guest-pages",
        "distribution_id": "E1SAILJADADEMO",
        "contact_line": "Sail JADA operations · ops@sailjada.com",
        "theme_primary_color": "#12355b",
        "theme_accent_color": "#f2a541",
    },
    {
        "slug": "queenofsandiego",
        "name": "Queen of San Diego",
        "domain": "queenofsandiego.com",
        "bucket": "queenofsandiego-guest-pages",
        "distribution_id": "E2QUEENSDDEMO",
        "contact_line": "Questions? Call or text (619) 555-0142 · hello@queenofsandiego.com",
        "theme_primary_color": "#0b3d5c",
        "theme_accent_color": "#d4a017",
    },
]
CREW = [
    ("Marco Reyes", "marco.reyes@sailjada.com", [CrewRole.CAPTAIN], CrewRole.CAPTAIN),
    ("Dana Whitfield", "dana.whitfield@sailjada.com", [CrewRole.DECKHAND, CrewRole.MATE], CrewRole.DECKHAND),
]


@dataclass
class DemoResult:
    charter: Charter
    created: bool
    admin_username: str | None


@transaction.atomic
def demo_seed(*, admin_username: str | None = None, admin_password: str | None = None) -> DemoResult:
    """Idempotent: existing rows are kept as they are (staff may have edited them)."""
    brands = {}
    for data in BRANDS:
        slug = data["slug"]
        brands[slug], _ = Brand.objects.get_or_create(slug=slug, defaults=data)
    vessel, _ = Vessel.objects.get_or_create(
        name="JADA", defaults={"slug": "jada", "capacity": 12, "home_marina": "Shelter Island Marina, San Diego"}
    )
    members = []
    for name, email, roles, _ in CREW:
        user, _ = get_user_model().objects.get_or_create(username=email, defaults={"email": email})
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        member, _ = CrewMember.objects.get_or_create(
            email=email, defaults={"user": user, "name": name, "roles": [str(r) for r in roles]}
        )
        members.append(member)

    start = (timezone.now() + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    charter, created = Charter.objects.get_or_create(
        code=DEMO_CHARTER_CODE,
        defaults={
            "source": CharterSource.BOATSETTER,
            "marketplace_booking_id": "BS-5-30-XHQGMDH",
            "brand": brands["queenofsandiego"],
            "vessel": vessel,
            "guest_name": "Jordan Avery",
            "guest_email": "jordan.avery@example.com",
            "guest_phone": "+1 619 555 0188",
            "party_size": 6,
            "starts_at": start,
            "ends_at": start + timedelta(hours=3),
            "meeting_point": "Dock 7, Shelter Island Marina, 2051 Shelter Island Dr, San Diego",
            "status": CharterStatus.INQUIRY,
            "gross_revenue": Decimal("1450.00"),
            "platform_fee": Decimal("217.50"),
            "captain_fee": Decimal("300.00"),
            "other_crew_pay": Decimal("150.00"),
            "internal_notes": "Boatsetter payout $1,232.50 expected on the 5th.",
            "crew_notes": "Revenue $1,450, captain fee $300 — meet at dock 7 at 14:00, party of 6. 2 coolers.",
            "guest_notes": "Bring sunscreen, a light jacket and soft-soled shoes. Snacks and water are on board.",
        },
    )
    for member, (_, _, _, role) in zip(members, CREW, strict=True):
        CrewAssignment.objects.get_or_create(charter=charter, crew_member=member, defaults={"role": role})

    username = None
    if admin_username and admin_password:
        user_model = get_user_model()
        admin, made = user_model.objects.get_or_create(
            username=admin_username, defaults={"is_staff": True, "is_superuser": True, "email": "office@sailjada.com"}
        )
        if made:
            admin.set_password(admin_password)
            admin.save()
        office = Group.objects.filter(name=OFFICE_GROUP).first() or office_group_ensure()
        admin.groups.add(office)
        username = admin_username
    return DemoResult(charter=charter, created=created, admin_username=username)
