"""Template tags for the admin front page (templates/admin/index.html)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def office_today() -> Any:
    from bookings.today import office_today as build

    return build()
