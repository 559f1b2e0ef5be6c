"""Template tags for the admin front page (templates/admin/index.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from jada.admin_utils import sync_badge

register = template.Library()


@register.simple_tag
def office_today() -> Any:
    from bookings.today import office_today as build

    return build()


@register.simple_tag
def badge(label: str, row: object) -> SafeString:
    return sync_badge(label, row)
