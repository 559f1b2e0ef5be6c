from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import factory
from django.utils import timezone
from django.utils.text import slugify

from bookings.models import Brand, Charter, CharterSource, Vessel


class BrandFactory(factory.django.DjangoModelFactory[Brand]):
    if TYPE_CHECKING:  # factory_boy's metaclass returns the model; tell mypy so

        def __new__(cls, *args: Any, **kwargs: Any) -> Brand: ...  # type: ignore[misc]

    class Meta:
        model = Brand
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"brand{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    domain = factory.LazyAttribute(lambda o: f"{o.slug}.example.com")
    bucket = factory.LazyAttribute(lambda o: f"{o.slug}-guest-pages")
    region = "us-east-1"
    distribution_id = factory.Sequence(lambda n: f"E{n:012d}")
    contact_line = "Call us at (619) 555-0100"


class VesselFactory(factory.django.DjangoModelFactory[Vessel]):
    if TYPE_CHECKING:  # factory_boy's metaclass returns the model; tell mypy so

        def __new__(cls, *args: Any, **kwargs: Any) -> Vessel: ...  # type: ignore[misc]

    class Meta:
        model = Vessel
        django_get_or_create = ("name",)

    name = "JADA"
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    capacity = 12
    home_marina = "Shelter Island, San Diego"


class CharterFactory(factory.django.DjangoModelFactory[Charter]):
    if TYPE_CHECKING:  # factory_boy's metaclass returns the model; tell mypy so

        def __new__(cls, *args: Any, **kwargs: Any) -> Charter: ...  # type: ignore[misc]

    class Meta:
        model = Charter

    source = CharterSource.BOATSETTER
    marketplace_booking_id = factory.Sequence(lambda n: f"BS-{n:06d}")
    brand = factory.SubFactory(BrandFactory)
    vessel = factory.SubFactory(VesselFactory)
    guest_name = factory.Faker("name")
    guest_email = factory.Faker("email")
    guest_phone = "+1 619 555 0199"
    party_size = 6
    # Each charter its own slot (4 h apart, 3 h long): charters confirmed together on one vessel
    # must not overlap (bookings/conflicts.py), unless a test sets the times itself.
    starts_at = factory.Sequence(
        lambda n: timezone.now().replace(microsecond=0) + timedelta(days=3) + timedelta(hours=4 * (n % 600))
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    meeting_point = "Dock 7, Shelter Island Marina"
    gross_revenue = Decimal("1450.00")
    platform_fee = Decimal("217.50")
    captain_fee = Decimal("300.00")
    other_crew_pay = Decimal("150.00")
    crew_notes = "Meet at dock 7 at 14:00, party of 6."
    guest_notes = "Bring sunscreen and a light jacket."
