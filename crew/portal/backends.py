"""The authentication backend crew sessions are signed in with (``crew.portal.auth.SESAME_BACKEND``).

django-sesame's backend, except that loading the session's user also loads the user's crew member
and feed token in the same query (LEFT JOINs), so every portal page pays one SQL query for "who is
this" instead of two. Nothing is cached across requests: the user row (``is_active``,
``is_staff``, the password hash the session hash is checked against) and the member row are read
afresh on every request, so deactivating a user, removing the crew member or signing out
elsewhere takes effect on the next request. Django's ``get_user`` still does every check (backend
listed in ``AUTHENTICATION_BACKENDS``, session hash, ``user_can_authenticate``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from sesame import settings as sesame_settings
from sesame.backends import ModelBackend


class CrewLinkBackend(ModelBackend):
    """Magic-link sign-in (django-sesame); the session's user comes with ``crew_member`` joined."""

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        users = user_model._default_manager.select_related("crew_member__feed_token")
        try:
            user = users.get(**{sesame_settings.PRIMARY_KEY_FIELD: user_id})
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
