"""``manage.py check``: every brand's row must be usable and no two brands may share a target."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ValidationError
from django.db import DatabaseError


def _normalise(value: str) -> str:
    return value.strip().lower().removeprefix("s3://").rstrip("./")


@register()
def brand_targets_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Reads the brand rows: a plain ``manage.py check`` must catch a shared bucket, not only the DB."""
    from bookings.models import Brand

    errors: list[CheckMessage] = []
    try:
        brands = list(Brand.objects.order_by("slug"))
    except DatabaseError:
        return []  # not migrated yet: migrate reports that itself
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for brand in brands:
        try:
            brand.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                errors.append(
                    Error(
                        f"Brand {brand.slug!r}: {field}: {' '.join(problems)}",
                        hint="Fix the brand in the admin (Bookings › Brands).",
                        obj=brand,
                        id="bookings.E002",
                    )
                )
        for label, value in (
            ("bucket", brand.bucket),
            ("distribution", brand.distribution_id),
            ("domain", brand.domain),
        ):
            if value.strip():
                shared[(label, _normalise(value))].append(brand.slug)
    for (label, value), slugs in sorted(shared.items()):
        if len(slugs) > 1:
            errors.append(
                Error(
                    f"Brands {', '.join(slugs)} share the {label} {value!r}; each brand needs its own {label}.",
                    hint=f"Give each brand its own {label} in the admin (Bookings › Brands), otherwise one "
                    "brand's guest pages are published to the other's site.",
                    id="bookings.E001",
                )
            )
    return errors
