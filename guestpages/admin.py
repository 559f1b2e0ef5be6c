"""Admin for guest pages and photos, plus the photo inline the charter page uses.

Publishing is the booking flow's (``bookings.flow``): these pages only show what was published.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from guestpages.message_admin import GuestMessageInline
from guestpages.models import GuestPage, GuestPhoto
from guestpages.photos import guest_photo_thumbnail_url

logger = logging.getLogger(__name__)


# The guest's messages on the charter page (guestpages/message_admin.py); bookings/admin.py adds it.
CHARTER_INLINES = [GuestMessageInline]


class GuestPhotoInline(admin.TabularInline):
    """Photos guests uploaded, shown as thumbnails through short-lived presigned GETs (the bucket is
    private); staff tick "hidden" to keep a photo without showing it."""

    model = GuestPhoto
    extra = 0
    fields = ["thumbnail", "object_key", "content_type", "size_bytes", "hidden", "created_at"]
    readonly_fields = ["thumbnail", "object_key", "content_type", "size_bytes", "created_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[GuestPhoto]:
        return super().get_queryset(request).select_related("charter__brand")

    @admin.display(description="Photo")
    def thumbnail(self, photo: GuestPhoto) -> str:
        if not photo.pk:
            return ""
        try:
            url = guest_photo_thumbnail_url(photo)
        except Exception:  # a broken AWS config must not take the charter page down
            logger.exception("no thumbnail URL for %s", photo.object_key)
            return "(unavailable)"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img class="guest-photo-thumb" src="{}" alt="{}" '
            'style="max-width:160px;max-height:120px;border-radius:4px"></a>',
            url,
            url,
            photo.object_key,
        )


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
