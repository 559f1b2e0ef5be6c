"""Admin for guest pages and photos, plus the charter actions and inline the charter page uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from guestpages.models import GuestPage, GuestPhoto

# Admin actions on the Charter changelist (publish, re-publish, withdraw); bookings/admin.py adds them.
CHARTER_ACTIONS: list[Callable[..., Any]] = []


class GuestPhotoInline(admin.TabularInline):
    model = GuestPhoto
    extra = 0
    fields = ["object_key", "content_type", "size_bytes", "hidden", "created_at"]
    readonly_fields = ["object_key", "content_type", "size_bytes", "created_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GuestPage)
class GuestPageAdmin(admin.ModelAdmin):
    list_display = ["charter", "sync_state", "bucket", "object_key", "published_version", "withdrawn", "last_synced_at"]
    list_filter = ["sync_state", "withdrawn", "charter__brand"]
    search_fields = ["charter__code", "object_key"]
    list_select_related = ["charter"]
    autocomplete_fields = ["charter"]
    readonly_fields = ["updated_at"]


@admin.register(GuestPhoto)
class GuestPhotoAdmin(admin.ModelAdmin):
    list_display = ["object_key", "charter", "content_type", "size_bytes", "hidden", "created_at"]
    list_filter = ["hidden", "content_type", "charter__brand"]
    search_fields = ["object_key", "charter__code"]
    list_select_related = ["charter"]
    autocomplete_fields = ["charter"]
    date_hierarchy = "created_at"
