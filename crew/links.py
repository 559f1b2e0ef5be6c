"""Magic links into the crew portal (django-sesame), scoped to the portal and short-lived.

The link opens a confirmation page; only its POST signs in, so mail scanners that fetch links
cannot use them up.
"""

from __future__ import annotations

from django.conf import settings
from sesame.utils import get_query_string

from crew.models import CrewMember

LOGIN_CONFIRM_PATH = "/crew/login/confirm/"


def crew_login_link(member: CrewMember) -> str:
    """An absolute URL that lets ``member`` sign in to the crew portal within SESAME_MAX_AGE."""
    query = get_query_string(member.user, scope=settings.CREW_PORTAL_SCOPE)
    return f"{settings.SITE_URL}{LOGIN_CONFIRM_PATH}{query}"
