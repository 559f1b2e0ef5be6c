"""The office admin for brands, vessels, charters and calendar entries.

Actions here are thin: each calls one service and reports the result as a message.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from bookings.models import Brand, CalendarEntry, Charter, Vessel
from crew.admin import CrewAssignmentInline
from guestpages.admin import CHARTER_ACTIONS as GUEST_PAGE_ACTIONS
from guestpages.admin import GuestPhotoInline
from jada.admin_utils import sync_badge


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "domain", "bucket", "region", "distribution_id", "guest_page_key_template"]
    search_fields = ["name", "slug", "domain", "bucket"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "domain", "time_zone"]}),
        ("Publishing", {"fields": ["bucket", "region", "distribution_id", "guest_page_key_template"]}),
        ("Photo window", {"fields": ["photo_window_opens_before", "photo_window_closes_after"]}),
        ("Theme", {"fields": ["theme_logo_url", "theme_primary_color", "theme_accent_color", "contact_line"]}),
    ]


@admin.register(Vessel)
class VesselAdmin(admin.ModelAdmin):
    list_display = ["name", "capacity", "home_marina"]
    search_fields = ["name", "home_marina"]


@admin.register(Charter)
class CharterAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "guest_name",
        "starts_at",
        "brand",
        "vessel",
        "party_size",
        "status",
        "source",
        "targets_summary",
    ]
    list_filter = ["status", "brand", "source", "vessel", "guest_page__sync_state", "crew_event__sync_state"]
    search_fields = ["code", "guest_name", "guest_email", "marketplace_booking_id"]
    date_hierarchy = "starts_at"
    list_select_related = ["brand", "vessel", "guest_page", "calendar_entry", "crew_event"]
    autocomplete_fields = ["brand", "vessel"]
    readonly_fields = ["targets_detail", "created_at", "updated_at"]
    inlines = [CrewAssignmentInline, GuestPhotoInline]
    actions = [*GUEST_PAGE_ACTIONS]
    list_per_page = 100
    fieldsets = [
        (None, {"fields": ["code", "status", "brand", "vessel", "source", "marketplace_booking_id"]}),
        ("Guest", {"fields": ["guest_name", "guest_email", "guest_phone", "party_size"]}),
        ("Trip", {"fields": ["starts_at", "ends_at", "meeting_point"]}),
        ("Notes", {"fields": ["guest_notes", "crew_notes", "internal_notes"]}),
        (
            "Money (office only)",
            {"fields": ["gross_revenue", "platform_fee", "captain_fee", "other_crew_pay"]},
        ),
        ("Where it is live", {"fields": ["targets_detail", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Charter]:
        return super().get_queryset(request).select_related(*self.list_select_related)

    @staticmethod
    def _targets(charter: Charter) -> list[tuple[str, object]]:
        return [
            ("Guest page", getattr(charter, "guest_page", None)),
            ("Calendar", getattr(charter, "calendar_entry", None)),
            ("Crew event", getattr(charter, "crew_event", None)),
        ]

    @admin.display(description="Targets")
    def targets_summary(self, charter: Charter) -> str:
        return format_html_join(" ", "{}", ((sync_badge(label, row),) for label, row in self._targets(charter)))

    @admin.display(description="Targets")
    def targets_detail(self, charter: Charter) -> str:
        if charter.pk is None:
            return "—"
        rows = []
        for label, row in self._targets(charter):
            error = getattr(row, "last_error", "") or ""
            rows.append(
                format_html(
                    "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    label,
                    sync_badge(label, row),
                    getattr(row, "attempts", 0),
                    getattr(row, "last_synced_at", None) or "never",
                    error[:300],
                )
            )
        head = "<tr><th>Target</th><th>State</th><th>Attempts</th><th>Last synced</th><th>Last error</th></tr>"
        return format_html(
            '<table class="jada-targets">{}{}</table>',
            mark_safe(head),  # noqa: S308 - a constant string
            format_html_join("", "{}", ((r,) for r in rows)),
        )


@admin.register(CalendarEntry)
class CalendarEntryAdmin(admin.ModelAdmin):
    list_display = ["charter", "sync_state", "attempts", "last_synced_at", "remote_id"]
    list_filter = ["sync_state"]
    search_fields = ["charter__code", "remote_id"]
    list_select_related = ["charter"]
    autocomplete_fields = ["charter"]
    readonly_fields = ["updated_at"]
