"""Admin for guest pages and photos, plus the charter actions and inline the charter page uses.

The actions are thin: one service call per selected charter and one result line per charter.
Expected failures (a misconfigured brand, AWS refusing) become that charter's error line; anything
else is logged and reported as an internal error — an action never answers 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from guestpages.message_admin import GuestMessageInline
from guestpages.models import GuestPage, GuestPhoto
from guestpages.photos import guest_photo_thumbnail_url
from guestpages.services import guest_page_publish, guest_page_withdraw
from jada.errors import JadaError

logger = logging.getLogger(__name__)


def _run_each(request: HttpRequest, queryset: QuerySet[Any], verb: str, call: Callable[[Any], GuestPage]) -> None:
    for charter in queryset.select_related("brand", "vessel").order_by("code"):
        try:
            page = call(charter)
        except JadaError as exc:
            messages.error(request, f"{charter.code}: not {verb} — {exc.message}")
        except Exception:
            logger.exception("guest page %s for %s failed", verb, charter.code)
            messages.error(request, f"{charter.code}: not {verb} — internal error; it has been logged.")
        else:
            where = page.public_url or "nothing was live"
            messages.success(request, f"{charter.code}: {verb} — {where} (s3://{page.bucket}/{page.object_key})")


def _publish(request: HttpRequest, queryset: QuerySet[Any], *, only_new: bool) -> None:
    def call(charter: Any) -> GuestPage:
        page = GuestPage.objects.filter(charter=charter).first()
        if (
            only_new
            and page is not None
            and page.sync_state == "synced"
            and page.published_version
            and not page.withdrawn
        ):
            return page  # already live: "Publish" leaves it alone, "Re-publish" overwrites it
        return guest_page_publish(charter=charter, actor=request.user)

    _run_each(request, queryset, "published", call)


@admin.action(description="Publish guest page (if not live yet)")
def guest_page_publish_action(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    _publish(request, queryset, only_new=True)


@admin.action(description="Re-publish guest page (overwrite and invalidate)")
def guest_page_republish_action(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    _publish(request, queryset, only_new=False)


@admin.action(description="Withdraw guest page (replace with a 'cancelled' page)")
def guest_page_withdraw_action(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    _run_each(request, queryset, "withdrawn", lambda charter: guest_page_withdraw(charter=charter, actor=request.user))


# Admin actions on the Charter changelist (publish, re-publish, withdraw); bookings/admin.py adds them.
CHARTER_ACTIONS: list[Callable[..., Any]] = [
    guest_page_publish_action,
    guest_page_republish_action,
    guest_page_withdraw_action,
]
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
