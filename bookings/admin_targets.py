"""The charter admin's booking-flow parts: where it is live, the flow buttons, actions and views.

Thin by design: every button and action is one ``bookings.flow`` call and a message. They post to
small admin views outside the admin's own transaction, because every flow step is an outermost
(durable) transaction that enqueues its pushes on commit. What a target is shown as is derived
by ``bookings.targets.target_status`` — green only when it holds the charter's current content.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from bookings import admin_views, flow
from bookings.models import Charter, CharterStatus
from bookings.payloads import TARGET_KINDS, TARGET_LABELS, charter_is_live
from bookings.targets import OUT_OF_DATE, STATUS_LABELS, TARGET_MODELS, out_of_date_q, target_status
from jada.models import SyncState

_COLOURS = {
    "synced": "#1b7f3b",
    "out_of_date": "#c2410c",
    "pending": "#8a6d00",
    "syncing": "#1f5fa8",
    "failed": "#b00020",
}


def target_badge(label: str, row: object) -> SafeString:
    """A coloured badge with the target's derived state ("none" when it was never created)."""
    return _badge(label, target_status(row))  # type: ignore[arg-type]


@functools.cache
def _badge(label: str, status: str) -> SafeString:
    """The badge's HTML depends only on the label and the state: built once per pair, not per row."""
    words = STATUS_LABELS[status]
    return format_html(
        '<span class="jada-badge jada-{}" title="{}: {}" style="color:#fff;background:{};padding:1px 6px;'
        'border-radius:8px;font-size:11px;white-space:nowrap">{} {}</span>',
        status,
        label,
        words,
        _COLOURS.get(status, "#666"),
        label,
        words,
    )


def target_live_as(kind: str, charter: Charter, row: Any) -> str:
    """What a current target is live as, in staff's words ("" while it is not current)."""
    if target_status(row) != SyncState.SYNCED:
        return ""
    if not charter_is_live(charter):
        return {"guest_page": "withdrawn", "calendar_entry": "removed", "crew_event": "cancelled, crew told"}[kind]
    return str(row.remote_id or "live")


class TargetStateFilter(admin.SimpleListFilter):
    """Filter charters by the worst derived state of their targets."""

    title = "targets"
    parameter_name = "targets"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("failed", "Failed"), (OUT_OF_DATE, "Out of date"), ("pending", "Pending or syncing")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Charter]) -> QuerySet[Charter]:
        """One ``pk IN (…)`` per target table, each read through an index of the few rows in that
        state (the sync_state index, or the partial *out of date* index), instead of joining all
        three tables to every charter and de-duplicating: no DISTINCT, no scan of 100,000 rows."""
        value = self.value()
        if value == "failed":
            wanted = Q(sync_state=SyncState.FAILED)
        elif value == OUT_OF_DATE:
            wanted = out_of_date_q()
        elif value == "pending":
            wanted = Q(sync_state__in=[SyncState.PENDING, SyncState.SYNCING])
        else:
            return queryset
        either = Q()
        for kind in TARGET_KINDS:
            rows: Any = TARGET_MODELS[kind]._default_manager
            either |= Q(pk__in=rows.filter(wanted).values("charter_id"))
        return queryset.filter(either)


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(help_text="Company time, e.g. 2024-05-30 14:00.")
    ends_at = forms.DateTimeField()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if isinstance(starts, datetime) and isinstance(ends, datetime) and ends <= starts:
            self.add_error("ends_at", "A charter must end after it starts.")
        return data


class CharterTargetsMixin:
    """Mixed into ``CharterAdmin``: the targets column and table, buttons, actions and flow views."""

    admin_site: Any
    model: Any
    message_user: Any
    has_view_permission: Any
    has_change_permission: Any

    @staticmethod
    def _targets(charter: Charter) -> list[tuple[str, str, object]]:
        return [(kind, TARGET_LABELS[kind], getattr(charter, kind, None)) for kind in TARGET_KINDS]

    @admin.display(description="Targets")
    def targets_summary(self, charter: Charter) -> str:
        return SafeString(" ".join(target_badge(label, row) for _, label, row in self._targets(charter)))

    @admin.display(description="Targets")
    def targets_detail(self, charter: Charter) -> SafeString | str:
        if charter.pk is None:
            return "—"
        rows = []
        for kind, label, row in self._targets(charter):
            button = ""
            if target_status(row) in ("failed", "pending", OUT_OF_DATE):  # type: ignore[arg-type]
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
                    target_badge(label, row),
                    target_live_as(kind, charter, row),
                    getattr(row, "attempts", 0),
                    getattr(row, "last_synced_at", None) or "never",
                    (getattr(row, "last_error", "") or "")[:300],
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

    @admin.action(description="Re-publish guest page (overwrite and invalidate)", permissions=["change"])
    def guest_page_republish(self, request: HttpRequest, queryset: QuerySet[Charter]) -> HttpResponse:
        results = []
        for charter in queryset:
            try:
                results.append((flow.target_retry(charter=charter, kind="guest_page", actor=request.user), ""))
            except flow.FlowError as exc:
                results.append((charter, exc.message))
        return self._report(request, results, "guest page being re-published")

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
    def flow_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("calendar/", wrap(self.calendar_view), name="bookings_charter_calendar"),
            path("calendar.ics", admin_views.calendar_feed, name="bookings_charter_calendar_feed"),
            path("progress/", wrap(self.progress_view), name="bookings_charter_progress"),
            path("<int:pk>/flow/<slug:step>/", wrap(self.flow_view), name="bookings_charter_flow"),
            path("<int:pk>/reschedule/", wrap(self.reschedule_view), name="bookings_charter_reschedule"),
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
                self.message_user(request, f"Retrying {TARGET_LABELS.get(kind, kind)} of {charter.code}.")
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
