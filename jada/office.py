"""The "Office" group: what office staff may do in the admin."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

OFFICE_GROUP = "Office"
# app label -> actions office staff get on every model of that app.
_OFFICE_PERMISSIONS = {
    "bookings": ("view", "add", "change"),
    "guestpages": ("view", "change"),
    "crew": ("view", "add", "change", "delete"),
    "jada": ("view",),
    "django_celery_beat": ("view",),
}


def office_group_ensure(**kwargs: Any) -> Group:
    """Create or refresh the group; runs after every migrate so new models' permissions are added."""
    group, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    wanted = [
        perm
        for perm in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in=_OFFICE_PERMISSIONS
        )
        if perm.codename.split("_", 1)[0] in _OFFICE_PERMISSIONS[perm.content_type.app_label]
    ]
    group.permissions.add(*wanted)
    return group
