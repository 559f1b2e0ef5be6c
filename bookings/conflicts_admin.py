"""The office's view of conflicts: open ones first, in red; override with a reason, or re-check.

Thin: each action is one ``bookings.conflicts`` call and a message. Cancelling or moving one of
the two charters is done on the charter's own page (the booking flow); re-checking then clears
the conflict.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from bookings import conflicts
from bookings.conflicts import open_conflict_charter_ids
from bookings.models import Charter, CharterConflict


class ConflictFilter(admin.SimpleListFilter):
    title = "conflict"
    parameter_name = "conflict"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "In an open conflict")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Charter]) -> QuerySet[Charter]:
        return queryset.filter(pk__in=open_conflict_charter_ids()) if self.value() == "open" else queryset


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Open"), ("no", "Resolved")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[CharterConflict]) -> QuerySet[CharterConflict]:
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


class ConflictForm(forms.ModelForm):
    override = forms.BooleanField(required=False, help_text="Accept the overlap on purpose (give the reason).")

    class Meta:
        model = CharterConflict
        fields = ["reason"]


@admin.register(CharterConflict)
class CharterConflictAdmin(admin.ModelAdmin):
    form = ConflictForm
    list_display = ["state", "detail", "charter_link", "other_link", "kind", "opened_at", "resolved_by"]
    list_filter = [OpenFilter, "kind", "resolution"]
    search_fields = ["charter__code", "other__code", "detail"]
    list_select_related = ["charter", "other"]
    readonly_fields = ["detail", "charter_link", "other_link", "kind", "crew_member", "opened_at", "resolution"]
    fields = [*readonly_fields, "reason", "override"]
    actions = ["recheck"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="State")
    def state(self, conflict: CharterConflict) -> SafeString:
        if conflict.is_open:
            return format_html('<strong class="jada-conflict" style="color:{}">open</strong>', "#b00020")
        return format_html("{}", conflict.get_resolution_display())

    def _link(self, charter: Any) -> SafeString:
        url = reverse("admin:bookings_charter_change", args=[charter.pk])
        return format_html('<a href="{}">{}</a>', url, charter.code)

    @admin.display(description="Charter")
    def charter_link(self, conflict: CharterConflict) -> SafeString:
        return self._link(conflict.charter)

    @admin.display(description="Other charter")
    def other_link(self, conflict: CharterConflict) -> SafeString:
        return self._link(conflict.other)

    def save_model(self, request: HttpRequest, obj: CharterConflict, form: Any, change: bool) -> None:
        """Only an override changes a conflict here, through the service (reason required, audited)."""
        if not form.cleaned_data.get("override"):
            return
        try:
            conflicts.conflict_override(
                conflict=CharterConflict.objects.get(pk=obj.pk),
                reason=form.cleaned_data["reason"],
                actor=request.user,  # type: ignore[arg-type]
            )
        except conflicts.ConflictError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    @admin.action(description="Re-check (clears conflicts that no longer overlap)")
    def recheck(self, request: HttpRequest, queryset: QuerySet[CharterConflict]) -> None:
        still = 0
        for conflict in queryset.select_related("charter"):
            still += len(conflicts.conflicts_refresh(charter=conflict.charter, actor=request.user.get_username()))
        self.message_user(request, f"Re-checked; {still} conflict(s) still open.")
