"""The office roles: "Office" (everything office staff do, money included) and "Dispatcher"
(confirm, reschedule, crew assignments, calendar — and no money anywhere).

Both groups are created and refreshed after every ``migrate`` (so a new model's permissions are
added), idempotently. Who sees money is one predicate, ``user_sees_money``: superusers and the
Office group. A staff user in neither group sees no money either — fail closed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

OFFICE_GROUP = "Office"
DISPATCHER_GROUP = "Dispatcher"
# The charter's financial fields: shown, edited and exported only for people who see money.
FINANCIAL_FIELDS = ("gross_revenue", "platform_fee", "payout", "captain_fee", "other_crew_pay")

# app label -> actions office staff get on every model of that app.
_OFFICE_PERMISSIONS = {
    "bookings": ("view", "add", "change"),
    "guestpages": ("view", "change"),
    "crew": ("view", "add", "change", "delete"),
    "jada": ("view",),
    "django_celery_beat": ("view",),
}
# Dispatchers: exact permissions (app label, codename). Changing a charter is what confirm and
# reschedule need; the admin hides its money fields from them (bookings/admin_roles.py).
_DISPATCHER_PERMISSIONS = {
    ("bookings", "view_brand"),
    ("bookings", "view_vessel"),
    ("bookings", "view_charter"),
    ("bookings", "change_charter"),
    ("bookings", "view_calendarentry"),
    ("bookings", "view_internalcalendarevent"),
    ("bookings", "view_driftreport"),
    ("crew", "view_crewmember"),
    ("crew", "view_crewassignment"),
    ("crew", "add_crewassignment"),
    ("crew", "change_crewassignment"),
    ("crew", "delete_crewassignment"),
    ("crew", "view_crewevent"),
    ("guestpages", "view_guestpage"),
}


def office_group_ensure(**kwargs: Any) -> Group:
    """Create or refresh the Office group; runs after every migrate."""
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


def dispatcher_group_ensure(**kwargs: Any) -> Group:
    """Create the Dispatcher group and set exactly its permissions; runs after every migrate."""
    group, _ = Group.objects.get_or_create(name=DISPATCHER_GROUP)
    wanted = [
        perm
        for perm in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in={app for app, _ in _DISPATCHER_PERMISSIONS}
        )
        if (perm.content_type.app_label, perm.codename) in _DISPATCHER_PERMISSIONS
    ]
    group.permissions.set(wanted)
    return group


def user_sees_money(user: Any) -> bool:
    """Superusers and the Office group see the financial fields; everyone else (dispatchers, a
    staff user in no group) does not."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user.groups.filter(name=OFFICE_GROUP).exists())
