"""Admin for guest messages: the charter page's ledger inline with "Resend", the brands' wording
(with a preview), and the suppression list.

Thin: "Resend" is one ``guest_message_resend`` call and a message; the preview renders the
brand's wording against a made-up trip, never a real guest's data.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from guestpages.errors import GuestPageError
from guestpages.message_models import GuestMessage, GuestMessageState, GuestMessageTemplate, GuestSuppression
from guestpages.message_render import (
    DEFAULT_WORDING,
    guest_message_render,
    guest_message_sample_context,
    guest_message_template_check,
)
from guestpages.messages import guest_message_resend
from jada.errors import JadaError

_STATE_COLOURS = {
    "due": "#8a6d00",
    "sending": "#1f5fa8",
    "sent": "#1b7f3b",
    "bounced": "#b00020",
    "complained": "#b00020",
    "failed": "#b00020",
    "uncertain": "#b00020",
}


def _state_badge(row: GuestMessage) -> str:
    colour = _STATE_COLOURS.get(row.state, "#666")
    return format_html(
        '<span class="jada-badge guest-message-{}" style="color:#fff;background:{};padding:1px 6px;'
        'border-radius:8px;font-size:11px">{}</span>',
        row.state,
        colour,
        row.get_state_display(),
    )


def _local(row: GuestMessage, value: Any) -> str:
    if value is None:
        return "—"
    return f"{timezone.localtime(value, row.charter.brand.zone):%a %d %b %Y %H:%M %Z}"


class GuestMessageInline(admin.TabularInline):
    """The guest's messages on the charter page: due, sent, bounced, voided — and "Resend"."""

    model = GuestMessage
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "kind",
        "version",
        "to_email",
        "state_badge",
        "due_local",
        "sent_local",
        "last_error",
        "resend",
    )
    ordering = ["due_at", "id"]
    verbose_name_plural = "guest messages"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[GuestMessage]:
        return super().get_queryset(request).select_related("charter__brand")

    @admin.display(description="State")
    def state_badge(self, row: GuestMessage) -> str:
        return _state_badge(row)

    @admin.display(description="Due (local)")
    def due_local(self, row: GuestMessage) -> str:
        return _local(row, row.due_at)

    @admin.display(description="Sent (local)")
    def sent_local(self, row: GuestMessage) -> str:
        return _local(row, row.sent_at)

    @admin.display(description="")
    def resend(self, row: GuestMessage) -> str:
        if not row.pk or row.state in (GuestMessageState.DUE, GuestMessageState.SENDING, GuestMessageState.VOIDED):
            return ""
        url = reverse("admin:guestpages_guestmessage_resend", args=[row.pk])
        return format_html(
            '<button type="submit" class="button guest-message-resend" formaction="{}" formnovalidate>Resend</button>',
            url,
        )


@admin.register(GuestMessage)
class GuestMessageAdmin(admin.ModelAdmin):
    list_display = ["charter", "kind", "version", "to_email", "state", "due_at", "sent_at"]
    list_filter = ["state", "kind", "charter__brand"]
    search_fields = ["charter__code", "to_email", "message_id"]
    list_select_related = ["charter"]
    date_hierarchy = "due_at"
    actions = ["resend_selected"]
    readonly_fields = [
        "charter",
        "kind",
        "version",
        "to_email",
        "due_at",
        "state",
        "content",
        "message_id",
        "esp_message_id",
        "attempts",
        "last_error",
        "sending_at",
        "sent_at",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = require_POST(self.admin_site.admin_view(self.resend_view))
        return [path("<int:pk>/resend/", view, name="guestpages_guestmessage_resend"), *super().get_urls()]

    def resend_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        row = get_object_or_404(GuestMessage.objects.select_related("charter__brand"), pk=pk)
        self._resend(request, row)
        return HttpResponseRedirect(reverse("admin:bookings_charter_change", args=[row.charter_id]))

    @admin.action(description="Resend selected messages", permissions=["change"])
    def resend_selected(self, request: HttpRequest, queryset: QuerySet[GuestMessage]) -> None:
        for row in queryset.select_related("charter__brand"):
            self._resend(request, row)

    def _resend(self, request: HttpRequest, row: GuestMessage) -> None:
        try:
            new = guest_message_resend(message=row, actor=request.user)
        except JadaError as exc:
            self.message_user(request, f"{row}: not resent — {exc.message}", messages.ERROR)
        else:
            self.message_user(request, f"{new.get_kind_display()} queued again as version {new.version}.")


class GuestMessageTemplateForm(forms.ModelForm):
    class Meta:
        model = GuestMessageTemplate
        fields = ["brand", "kind", "enabled", "subject", "body"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            guest_message_template_check(data.get("subject") or "", data.get("body") or "")
        except GuestPageError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(GuestMessageTemplate)
class GuestMessageTemplateAdmin(admin.ModelAdmin):
    """Per brand and kind: on/off and the wording (Django template syntax, allow-listed names)."""

    form = GuestMessageTemplateForm
    list_display = ["brand", "kind", "enabled", "subject", "updated_at"]
    list_filter = ["brand", "kind", "enabled"]
    readonly_fields = ["names", "preview"]
    fields = ["brand", "kind", "enabled", "subject", "body", "names", "preview"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request)  # office staff may word a kind for their brand

    @admin.display(description="Names you can use")
    def names(self, obj: GuestMessageTemplate | None) -> str:
        names = ", ".join(
            "{{ %s }}" % n  # noqa: UP031 - literal template braces
            for n in (
                "guest_first_name",
                "guest_name",
                "brand_name",
                "vessel",
                "date_label",
                "time_label",
                "start_time_label",
                "meeting_point",
                "party_size",
                "page_url",
                "photo_closes_label",
                "contact_line",
            )
        )
        return format_html("<code>{}</code>", names)

    @admin.display(description="Preview (a made-up trip)")
    def preview(self, obj: GuestMessageTemplate | None) -> str:
        if obj is None or not obj.pk:
            return "Save to see a preview."
        subject, body = DEFAULT_WORDING[obj.kind]
        try:
            rendered = guest_message_render(
                guest_message_sample_context(obj.brand, obj.kind),
                brand=obj.brand,
                unsubscribe_url="https://example.invalid/unsubscribe",
                wording=(obj.subject.strip() or subject, obj.body.strip() or body),
            )
        except GuestPageError as exc:
            return exc.message
        return format_html(
            '<p class="guest-message-preview-subject"><strong>Subject:</strong> {}</p>'
            '<iframe class="guest-message-preview" sandbox="" srcdoc="{}" '
            'style="width:100%;max-width:640px;height:520px;border:1px solid #ccc"></iframe>'
            '<pre class="guest-message-preview-text" style="white-space:pre-wrap">{}</pre>',
            rendered.subject,
            rendered.html,
            rendered.text,
        )


@admin.register(GuestSuppression)
class GuestSuppressionAdmin(admin.ModelAdmin):
    list_display = ["email", "brand", "reason", "detail", "created_at"]
    list_filter = ["reason", "brand"]
    search_fields = ["email"]
