"""Template tags for the admin front page (templates/admin/index.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def office_today() -> Any:
    from bookings.today import office_today as build

    return build()


@register.simple_tag
def badge(label: str, row: object) -> SafeString:
    """The same derived badge as the charter pages: "out of date" whenever the target holds an
    older version than the charter's current one (``bookings.targets.target_status``)."""
    from bookings.admin_targets import target_badge

    return target_badge(label, row)
