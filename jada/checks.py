"""System checks for settings that would otherwise fail silently at request time."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register()
def internal_api_auth_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Unset API credentials make the APIs answer 503; say so before the first request does."""
    messages: list[CheckMessage] = []
    level = Warning if settings.DEBUG else Error
    if not settings.DASHBOARD_TOKEN:
        messages.append(
            level(
                "DASHBOARD_TOKEN is not set: the calendar API will answer 503 to every request.",
                hint="Set DASHBOARD_TOKEN to a long random string shared with the calendar's callers.",
                id="jada.W001" if level is Warning else "jada.E001",
            )
        )
    if not settings.SERVICE_KEY_HASH:
        messages.append(
            level(
                "SERVICE_KEY_HASH is not set: the SCC API will answer 503 to every request.",
                hint="Run `python manage.py hash_service_key`, and set SERVICE_KEY_HASH to the hash it prints.",
                id="jada.W002" if level is Warning else "jada.E002",
            )
        )
    return messages
