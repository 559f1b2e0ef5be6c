"""The office admin for brands, vessels, charters and calendar entries.

Actions here are thin: each calls one service and reports the result as a message. The booking
flow's buttons (confirm, cancel, reschedule, retry one target) post to small admin views that
call ``bookings.flow`` — outside the admin's own transaction, because every flow step is an
outermost (durable) transaction that enqueues its tasks on commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from bookings import admin_views, flow
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
from bookings.services import drift_report_create
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
    list_display = ["name", "slug", "capacity", "turnaround", "home_marina"]
    search_fields = ["name", "home_marina"]
    prepopulated_fields = {"slug": ["name"]}


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
        "conflict_badge",
        "targets_summary",
    ]
    list_filter = [
        ConflictFilter,
        "status",
        "brand",
        "source",
        "vessel",
        "guest_page__sync_state",
        "crew_event__sync_state",
    ]
    search_fields = ["code", "guest_name", "guest_email", "marketplace_booking_id"]
    date_hierarchy = "starts_at"
    list_select_related = ["brand", "vessel", "guest_page", "calendar_entry", "crew_event"]
    autocomplete_fields = ["brand", "vessel"]
    readonly_fields = ["targets_detail", "created_at", "updated_at"]
    inlines = [CrewAssignmentInline, GuestPhotoInline]
    actions = ["confirm_everywhere", "cancel_everywhere", *GUEST_PAGE_ACTIONS]
    list_per_page = 100
    change_list_template = "admin/bookings/charter/jada_change_list.html"
    fieldsets = [
        (None, {"fields": ["code", "status", "brand", "vessel", "source", "marketplace_booking_id"]}),
        ("Guest", {"fields": ["guest_name", "guest_email", "guest_phone", "party_size"]}),
        ("Trip", {"fields": ["starts_at", "ends_at", "meeting_point"]}),
        ("Notes", {"fields": ["guest_notes", "crew_notes", "internal_notes"]}),
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

    # --- what is live where ----------------------------------------------------------------
    @staticmethod
    def _targets(charter: Charter) -> list[tuple[str, str, object]]:
        return [
            (kind, flow.TARGET_LABELS[kind], getattr(charter, kind, None))
            for kind in ("guest_page", "calendar_entry", "crew_event")
        ]

    @admin.display(description="Targets")
    def targets_summary(self, charter: Charter) -> str:
        return format_html_join(" ", "{}", ((sync_badge(label, row),) for _, label, row in self._targets(charter)))

    @admin.display(description="Targets")
    def targets_detail(self, charter: Charter) -> SafeString | str:
        if charter.pk is None:
            return "—"
        rows = []
        for kind, label, row in self._targets(charter):
            error = getattr(row, "last_error", "") or ""
            button = ""
            if row is not None and getattr(row, "sync_state", "") in ("failed", "pending"):
                url = reverse("admin:bookings_charter_flow", args=[charter.pk, f"retry-{kind}"])
                button = format_html(
                    '<button type="submit" class="button jada-retry" formaction="{}" formnovalidate '
                    'data-target="{}">Retry</button>',
                    url,
                    kind,
                )
            rows.append(
                format_html(
                    '<tr data-target="{}"><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
                    "<td>{}</td></tr>",
                    kind,
                    label,
                    sync_badge(label, row),
                    flow.target_live_as(kind, charter, row),
                    getattr(row, "attempts", 0),
                    getattr(row, "last_synced_at", None) or "never",
                    error[:300],
                    button,
                )
            )
        head = (
            "<tr><th>Target</th><th>State</th><th>Live as</th><th>Attempts</th><th>Last synced</th>"
            "<th>Last error</th><th></th></tr>"
        )
        return format_html(
            '<table class="jada-targets">{}{}</table><p class="jada-flow-buttons">{}</p>',
            mark_safe(head),  # noqa: S308 - a constant string
            format_html_join("", "{}", ((r,) for r in rows)),
            self._flow_buttons(charter),
        )

    @staticmethod
    def _flow_buttons(charter: Charter) -> SafeString:
        def button(step: str, label: str, question: str = "") -> SafeString:
            url = reverse("admin:bookings_charter_flow", args=[charter.pk, step])
            confirm = format_html(" onclick=\"return confirm('{}')\"", question) if question else ""
            return format_html(
                '<button type="submit" class="button" formaction="{}" formnovalidate{}>{}</button> ',
                url,
                confirm,
                label,
            )

        buttons = [button("confirm", "Confirm and publish everywhere")]
        if charter.status != CharterStatus.CANCELLED:
            question = f"Cancel {charter.code} and withdraw it everywhere? Crew will be told."
            buttons.append(button("cancel", "Cancel and withdraw everywhere", question))
        if charter.status in (CharterStatus.CONFIRMED, CharterStatus.INQUIRY):
            url = reverse("admin:bookings_charter_reschedule", args=[charter.pk])
            buttons.append(format_html('<a class="button" href="{}">Reschedule…</a>', url))
        return format_html_join("", "{}", ((b,) for b in buttons))

    # --- actions ------------------------------------------------------------------------------
    @admin.action(description="Confirm and publish everywhere", permissions=["change"])
    def confirm_everywhere(self, request: HttpRequest, queryset: QuerySet[Charter]) -> HttpResponse:
        results = flow.charters_confirm(charters=list(queryset), actor=request.user)
        return self._report(request, results, "confirmed; publishing to guest page, calendar and crew event")

    @admin.action(description="Cancel and withdraw everywhere", permissions=["change"])
    def cancel_everywhere(self, request: HttpRequest, queryset: QuerySet[Charter]) -> HttpResponse:
        results = []
        for charter in queryset:
            try:
                results.append((flow.charter_cancel(charter=charter, actor=request.user), ""))
            except flow.FlowError as exc:
                results.append((charter, exc.message))
        return self._report(request, results, "cancelled; withdrawing everywhere")

    def _report(self, request: HttpRequest, results: list[tuple[Charter, str]], done: str) -> HttpResponse:
        """One result line per charter, then the progress page that follows their targets."""
        for charter, error in results:
            if error:
                self.message_user(request, f"{charter.code}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{charter.code} {done}.", messages.SUCCESS)
        ids = ",".join(str(c.pk) for c, error in results if not error)
        if not ids:
            return HttpResponseRedirect(reverse("admin:bookings_charter_changelist"))
        return HttpResponseRedirect(f"{reverse('admin:bookings_charter_progress')}?ids={ids}")

    # --- small views ------------------------------------------------------------------------
    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("calendar/", wrap(self.calendar_view), name="bookings_charter_calendar"),
            path("calendar.ics", admin_views.calendar_feed, name="bookings_charter_calendar_feed"),
            path("progress/", wrap(self.progress_view), name="bookings_charter_progress"),
            path("<int:pk>/flow/<slug:step>/", wrap(self.flow_view), name="bookings_charter_flow"),
            path("<int:pk>/reschedule/", wrap(self.reschedule_view), name="bookings_charter_reschedule"),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def calendar_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = admin_views.calendar_context(request)
        return TemplateResponse(request, "admin/bookings/charter/calendar.html", self._context(request, **context))

    def progress_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.isdigit() and len(i) < 12]
        context = admin_views.progress_context(ids)
        return TemplateResponse(
            request,
            "admin/bookings/charter/progress.html",
            self._context(request, title="Booking flow progress", **context),
        )

    def flow_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        """POST only: confirm, cancel or retry one target (``retry-<kind>``) of one charter."""
        charter = get_object_or_404(Charter, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, charter):
            raise PermissionDenied
        try:
            if step == "confirm":
                flow.charter_confirm(charter=charter, actor=request.user)
                self.message_user(request, f"{charter.code} confirmed; publishing everywhere.", messages.SUCCESS)
            elif step == "cancel":
                flow.charter_cancel(charter=charter, actor=request.user)
                self.message_user(request, f"{charter.code} cancelled; withdrawing everywhere.", messages.SUCCESS)
            elif step.startswith("retry-"):
                kind = step.removeprefix("retry-").replace("-", "_")
                flow.target_retry(charter=charter, kind=kind, actor=request.user)
                self.message_user(request, f"Retrying {flow.TARGET_LABELS.get(kind, kind)} of {charter.code}.")
            else:
                raise flow.FlowError(f"Unknown step {step!r}.")
        except flow.FlowError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:bookings_charter_change", args=[charter.pk]))

    def reschedule_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        charter = get_object_or_404(Charter, pk=pk)
        if not self.has_change_permission(request, charter):
            raise PermissionDenied
        form = RescheduleForm(
            request.POST or None, initial={"starts_at": charter.starts_at, "ends_at": charter.ends_at}
        )
        if request.method == "POST" and form.is_valid():
            try:
                flow.charter_reschedule(
                    charter=charter,
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    actor=request.user,
                )
            except flow.FlowError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, f"{charter.code} moved; every target follows.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:bookings_charter_change", args=[charter.pk]))
        context = self._context(request, title=f"Reschedule {charter.code}", form=form, charter=charter)
        return TemplateResponse(request, "admin/bookings/charter/reschedule.html", context)


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(help_text="Company time, e.g. 2024-05-30 14:00.")
    ends_at = forms.DateTimeField()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if isinstance(starts, datetime) and isinstance(ends, datetime) and ends <= starts:
            self.add_error("ends_at", "A charter must end after it starts.")
        return data


@admin.register(CalendarEntry)
class CalendarEntryAdmin(admin.ModelAdmin):
    list_display = ["charter", "sync_state", "attempts", "last_synced_at", "remote_id"]
    list_filter = ["sync_state"]
    search_fields = ["charter__code", "remote_id"]
    list_select_related = ["charter"]
    autocomplete_fields = ["charter"]
    readonly_fields = ["updated_at"]


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
