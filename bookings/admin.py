"""The office admin for brands, vessels, charters and calendar entries.

Actions here are thin: each calls one service and reports the result as a message. The booking
flow's buttons (confirm, cancel, reschedule, retry one target) post to small admin views that
call ``bookings.flow`` — outside the admin's own transaction, because every flow step is an
outermost (durable) transaction that enqueues its tasks on commit.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from bookings import flow
from bookings.admin_crew_view import CrewViewMixin
from bookings.admin_roles import MoneyHiddenMixin
from bookings.admin_rows import CheapRowsMixin
from bookings.admin_targets import CharterTargetsMixin, TargetStateFilter, target_badge
from bookings.conflicts_admin import ConflictFilter
from bookings.models import (
    Brand,
    CalendarEntry,
    Charter,
    CharterConflict,
    CharterStatus,
    DriftReport,
    InternalCalendarEvent,
    Vessel,
)
from bookings.payloads import TARGET_LABELS
from bookings.reconcile import drift_report_create
from crew.admin import CrewAssignmentInline, CrewMemberAdmin
from crew.models import CrewMember
from guestpages.admin import GuestMessageInline, GuestPhotoInline


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

    def save_model(self, request: HttpRequest, obj: Brand, form: Any, change: bool) -> None:
        """Saving a brand re-publishes its live pages (and moves them if its bucket or layout changed)."""
        super().save_model(request, obj, form, change)
        if not change or not form.changed_data:
            return
        followed = flow.brand_follow(brand=obj, actor=request.user, changed=list(form.changed_data))
        if followed["pages"] or followed["other_targets"]:
            self.message_user(
                request,
                f"{obj.name}: re-publishing {followed['pages']} live guest page(s) in bulk; "
                f"{followed['other_targets']} other target(s) follow.",
            )
        if "guest_page_key_template" in form.changed_data:
            self.message_user(
                request,
                f"The key template changed: old pages are removed as the new ones are written. Redeploy the "
                f"CloudFront Function now: manage.py deploy_cloudfront_function {obj.slug}",
                messages.WARNING,
            )


@admin.register(Vessel)
class VesselAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "capacity", "turnaround", "home_marina"]
    search_fields = ["name", "home_marina"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request: HttpRequest, obj: Vessel, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            count = flow.vessel_follow(vessel=obj, actor=request.user)
            self.message_user(request, f"{obj.name}: {count} target(s) of upcoming charters follow the new name.")


class CrewMemberFollowAdmin(CrewMemberAdmin):
    """Crew's admin, plus: a changed name or e-mail reaches the crew events of upcoming charters.

    Registered here rather than in ``crew``, which never imports the booking flow."""

    def save_model(self, request: HttpRequest, obj: CrewMember, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"name", "email"} & set(form.changed_data):
            count = flow.crew_member_follow(member=obj, actor=request.user)
            self.message_user(request, f"{obj.name}: {count} crew event(s) of upcoming charters follow.")


admin.site.unregister(CrewMember)
admin.site.register(CrewMember, CrewMemberFollowAdmin)


@admin.register(Charter)
class CharterAdmin(MoneyHiddenMixin, CheapRowsMixin, CrewViewMixin, CharterTargetsMixin, admin.ModelAdmin):
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
    list_filter = [ConflictFilter, "status", TargetStateFilter, "brand", "source", "vessel"]
    search_fields = ["code", "guest_name", "guest_email", "marketplace_booking_id"]
    date_hierarchy = "starts_at"
    list_select_related = ["brand", "vessel", "guest_page", "calendar_entry", "crew_event"]
    autocomplete_fields = ["brand", "vessel"]
    readonly_fields = ["targets_detail", "crew_view", "created_at", "updated_at"]
    inlines = [CrewAssignmentInline, GuestPhotoInline, GuestMessageInline]
    actions = ["confirm_everywhere", "cancel_everywhere", "guest_page_republish"]
    list_per_page = 100
    # "N results (Show all)" rather than a second COUNT(*) of every charter on each filtered page.
    show_full_result_count = False
    change_list_template = "admin/bookings/charter/jada_change_list.html"
    fieldsets = [
        (None, {"fields": ["code", "status", "brand", "vessel", "source", "marketplace_booking_id"]}),
        ("Guest", {"fields": ["guest_name", "guest_email", "guest_phone", "party_size"]}),
        ("Trip", {"fields": ["starts_at", "ends_at", "meeting_point"]}),
        ("Notes", {"fields": ["guest_notes", "crew_notes", "crew_view", "internal_notes"]}),
        (
            "Money (office only)",
            {"fields": ["gross_revenue", "platform_fee", "payout", "captain_fee", "other_crew_pay"]},
        ),
        ("Where it is live", {"fields": ["targets_detail", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Charter]:
        open_conflicts = CharterConflict.objects.filter(
            Q(charter=OuterRef("pk")) | Q(other=OuterRef("pk")), resolved_at__isnull=True
        )
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related)
            .annotate(in_open_conflict=Exists(open_conflicts))
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Status and times of a saved charter change only through the flow, so every target follows."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk:
            fields += ["status"]
            if obj.status != CharterStatus.INQUIRY:
                fields += ["starts_at", "ends_at"]
        return fields

    @admin.display(description="Conflict")
    def conflict_badge(self, charter: Charter) -> SafeString | str:
        if not getattr(charter, "in_open_conflict", False):
            return ""
        url = reverse("admin:bookings_charterconflict_changelist") + f"?open=yes&q={charter.code}"
        return format_html(
            '<a class="jada-conflict" href="{}" style="color:#fff;background:#b00020;padding:1px 6px;'
            'border-radius:8px;font-size:11px">conflict</a>',
            url,
        )

    @admin.display(description="Targets")
    def targets_summary(self, charter: Charter) -> str:
        """The three target badges, after a red "conflict" chip when the charter is in one (one
        column, so the list still fits a 1,366 px laptop)."""
        return SafeString(f"{self.conflict_badge(charter)} {super().targets_summary(charter)}")

    def get_urls(self) -> list[URLPattern]:
        return [*self.flow_urls(), *self.crew_view_urls(), *super().get_urls()]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """After the charter and its crew inline are saved: every target whose content changed follows."""
        super().save_related(request, form, formsets, change)
        if not change:
            return
        changed = list(form.changed_data) + [
            f"crew ({formset.prefix})" for formset in formsets if formset.has_changed()
        ]
        kinds = flow.charter_follow(charter=form.instance, actor=request.user, changed=changed)
        if kinds:
            labels = ", ".join(TARGET_LABELS[kind].lower() for kind in kinds)
            self.message_user(request, f"{form.instance.code}: updating {labels} with the new details.")


@admin.register(CalendarEntry)
class CalendarEntryAdmin(admin.ModelAdmin):
    list_display = ["charter", "state", "attempts", "last_synced_at", "remote_id"]
    list_filter = ["sync_state"]
    search_fields = ["charter__code", "remote_id"]
    list_select_related = ["charter"]
    autocomplete_fields = ["charter"]
    readonly_fields = ["updated_at"]

    @admin.display(description="State")
    def state(self, row: CalendarEntry) -> SafeString:
        return target_badge("Calendar entry", row)


@admin.register(InternalCalendarEvent)
class InternalCalendarEventAdmin(admin.ModelAdmin):
    """The calendar API's own store, read-only: it changes through the API (and so the flow)."""

    list_display = ["date", "charter_id", "title", "vessel", "brand", "status", "updated_at"]
    list_filter = ["brand", "status"]
    search_fields = ["charter_id", "title"]
    date_hierarchy = "date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DriftReport)
class DriftReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "finding_count"]
    readonly_fields = ["created_at", "finding_count", "findings_table"]
    fields = ["created_at", "finding_count", "findings_table"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Findings")
    def findings_table(self, report: DriftReport) -> SafeString | str:
        if not report.findings:
            return "No drift: every target agrees with the database."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (f.get("kind", ""), f.get("charter", ""), f.get("target", ""), f.get("detail", ""))
                for f in report.findings
            ),
        )
        return format_html(
            "<table><tr><th>Kind</th><th>Charter</th><th>Target</th><th>Detail</th></tr>{}</table>", rows
        )

    def get_urls(self) -> list[URLPattern]:
        run = path("run/", self.admin_site.admin_view(self.run_view), name="bookings_driftreport_run")
        return [run, *super().get_urls()]

    def run_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        report = drift_report_create()
        self.message_user(request, f"Drift report: {report.finding_count} finding(s).")
        return HttpResponseRedirect(reverse("admin:bookings_driftreport_change", args=[report.pk]))
