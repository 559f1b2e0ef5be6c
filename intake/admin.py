"""The office's intake pages: sources and listings, feed health, feed events, and the review queue.

Thin: actions call one service each. The review queue shows the raw message beside the fields the
parser found; staff correct them and press "Accept" (``intake_message_accept``) in one step.
The vessel's own page gains its listings and the busy-feed URL to paste into each marketplace
(registered from here, because bookings never imports intake).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from bookings.admin import VesselAdmin
from bookings.models import Vessel
from intake import parsing
from intake.feeds import feed_poll
from intake.models import FeedEvent, IntakeFeed, IntakeMessage, IntakeSource, MessageState, VesselListing
from intake.services import IntakeError, intake_message_accept, intake_message_ignore

RED = "color:#b00020;font-weight:bold"


def busy_feed_url(listing: VesselListing) -> str:
    path = reverse("intake_busy_feed", args=[listing.vessel.slug, listing.busy_feed_token])
    return f"{str(settings.SITE_URL).rstrip('/')}{path}"


class VesselListingInline(admin.TabularInline):
    model = VesselListing
    extra = 0
    fields = ["source", "name", "aliases", "busy_feed"]
    readonly_fields = ["busy_feed"]

    @admin.display(description="Busy feed to paste into the marketplace")
    def busy_feed(self, listing: VesselListing) -> str:
        if not listing.pk or not listing.vessel.slug:
            return "Save first (the vessel needs a slug)."
        return busy_feed_url(listing)


class SourceListingInline(VesselListingInline):
    fields = ["vessel", "name", "aliases", "busy_feed"]


admin.site.unregister(Vessel)


@admin.register(Vessel)
class VesselWithListingsAdmin(VesselAdmin):
    inlines = [VesselListingInline]


@admin.register(IntakeSource)
class IntakeSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "brand", "auto_confirm", "guest_message_to", "sender_domains"]
    inlines = [SourceListingInline]


@admin.register(IntakeFeed)
class IntakeFeedAdmin(admin.ModelAdmin):
    list_display = ["__str__", "enabled", "last_good_at", "age", "health", "events_seen", "missing", "counts"]
    list_filter = ["source", "vessel", "enabled"]
    readonly_fields = ["etag", "last_modified", "last_fetch_at", "last_good_at", "last_error", "last_counts"]
    actions = ["poll_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[IntakeFeed]:
        missing = Count("events", filter=Q(events__missing_since__isnull=False))
        return super().get_queryset(request).select_related("source", "vessel").annotate(missing_events=missing)

    @admin.display(description="Health")
    def health(self, feed: IntakeFeed) -> SafeString:
        if feed.last_error:
            return format_html('<span style="{}">{}</span>', RED, feed.last_error[:200])
        notes = feed.last_counts.get("notes") or []
        if notes:
            return format_html('<span style="{}">{}</span>', RED, " · ".join(notes)[:300])
        return format_html("{}", "ok" if feed.last_good_at else "not fetched yet")

    @admin.display(description="Missing events")
    def missing(self, feed: Any) -> SafeString | int:
        count = getattr(feed, "missing_events", 0)
        return format_html('<span style="{}">{}</span>', RED, count) if count else 0

    @admin.display(description="Last poll")
    def counts(self, feed: IntakeFeed) -> str:
        return ", ".join(f"{v} {k}" for k, v in feed.last_counts.items() if k != "notes") or "—"

    @admin.action(description="Poll now")
    def poll_now(self, request: HttpRequest, queryset: QuerySet[IntakeFeed]) -> None:
        for feed in queryset.select_related("source__brand", "vessel"):
            result = feed_poll(feed=feed)
            self.message_user(request, result.line(), messages.ERROR if result.error else messages.SUCCESS)


@admin.register(FeedEvent)
class FeedEventAdmin(admin.ModelAdmin):
    list_display = ["summary", "feed", "starts_at", "ends_at", "booking_id", "charter", "is_block", "missing_flag"]
    list_filter = ["feed", "is_block", ("missing_since", admin.EmptyFieldListFilter)]
    search_fields = ["uid", "booking_id", "summary", "charter__code"]
    list_select_related = ["feed__source", "feed__vessel", "charter"]
    readonly_fields = [f.name for f in FeedEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Missing")
    def missing_flag(self, event: FeedEvent) -> SafeString | str:
        if event.missing_since:
            return format_html('<span style="{}">missing since {}</span>', RED, f"{event.missing_since:%Y-%m-%d %H:%M}")
        return f"absent from {event.missing_count} fetch(es)" if event.missing_count else ""


class AcceptForm(forms.ModelForm):
    """The parser's findings, editable; "Accept" applies them (``intake_message_accept``)."""

    accept_kind = forms.ChoiceField(choices=[("", "—")] + [(k, k) for k in parsing.KIND_NAMES], required=False)
    accept_source = forms.ModelChoiceField(IntakeSource.objects.all(), required=False)
    booking_id = forms.CharField(required=False)
    vessel = forms.ModelChoiceField(Vessel.objects.all(), required=False, to_field_name="name")
    starts_at = forms.DateTimeField(required=False, help_text="Company time, e.g. 2027-05-29 14:00.")
    ends_at = forms.DateTimeField(required=False)
    guest_name = forms.CharField(required=False)
    guest_email = forms.EmailField(required=False)
    guest_phone = forms.CharField(required=False)
    party_size = forms.IntegerField(required=False, min_value=1)
    meeting_point = forms.CharField(required=False)
    guest_message = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    total = forms.DecimalField(required=False, decimal_places=2)
    fee = forms.DecimalField(required=False, decimal_places=2)
    payout = forms.DecimalField(required=False, decimal_places=2)

    FIELDS = [
        "booking_id",
        "vessel",
        "starts_at",
        "ends_at",
        "guest_name",
        "guest_email",
        "guest_phone",
        "party_size",
        "meeting_point",
        "guest_message",
        "total",
        "fee",
        "payout",
    ]

    class Meta:
        model = IntakeMessage
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        found = self.instance.fields or {}
        for name in self.FIELDS:
            if name in found:
                self.fields[name].initial = found[name]
        self.fields["accept_kind"].initial = self.instance.kind
        self.fields["accept_source"].initial = self.instance.source_id

    def accepted_fields(self) -> dict[str, Any]:
        data = {}
        for name in self.FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if name == "vessel":
                value = value.name
            elif isinstance(value, datetime):
                value = value.isoformat()
            elif name in ("total", "fee", "payout"):
                value = str(value)
            data[name] = value
        return data


@admin.register(IntakeMessage)
class IntakeMessageAdmin(admin.ModelAdmin):
    """The review queue: open it from the changelist filtered to "Needs review"."""

    form = AcceptForm
    list_display = ["received_at", "state_badge", "subject", "sender", "kind", "outcome", "problem"]
    list_filter = ["state", "via", "source", "kind"]
    search_fields = ["subject", "sender", "message_id", "outcome"]
    readonly_fields = [
        "state",
        "problem",
        "outcome",
        "charter",
        "subject",
        "sender",
        "via",
        "received_at",
        "raw_message",
    ]
    actions = ["ignore"]
    change_form_template = "admin/intake/intakemessage/change_form.html"
    fieldsets = [
        (None, {"fields": ["state", "problem", "outcome", "charter", "subject", "sender", "via", "received_at"]}),
        ("Fix and accept", {"fields": ["accept_source", "accept_kind", *AcceptForm.FIELDS]}),
        ("The message as it arrived", {"fields": ["raw_message"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="State")
    def state_badge(self, message: IntakeMessage) -> SafeString:
        style = RED if message.state == MessageState.REVIEW else ""
        return format_html('<span style="{}">{}</span>', style, message.get_state_display())

    @admin.display(description="Raw message")
    def raw_message(self, message: IntakeMessage) -> SafeString:
        return format_html(
            '<pre style="white-space:pre-wrap;max-height:40em;overflow:auto">{}</pre>', message.raw_text[:200_000]
        )

    def save_model(self, request: HttpRequest, obj: IntakeMessage, form: Any, change: bool) -> None:
        """The stored message never changes here: only "Accept" acts (``accept_view``)."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # "Accept" runs outside the admin's own transaction: the booking flow's steps are
        # outermost (durable) transactions that enqueue their tasks on commit.
        if request.method == "POST" and "_accept" in request.POST and object_id:
            return self.accept_view(request, object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def accept_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        message = get_object_or_404(IntakeMessage, pk=object_id)
        if not self.has_change_permission(request, message):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:intake_intakemessage_change", args=[message.pk]))
        form = AcceptForm(request.POST, instance=message)
        if not form.is_valid():
            errors = "; ".join(f"{name}: {' '.join(str(m) for m in e)}" for name, e in form.errors.items())
            self.message_user(request, f"Not accepted — {errors}", messages.ERROR)
            return back
        source = form.cleaned_data.get("accept_source")
        if source is None:
            self.message_user(request, "Choose the message's source before accepting.", messages.ERROR)
            return back
        try:
            outcome = intake_message_accept(
                message=message,
                source=source,
                kind=form.cleaned_data.get("accept_kind") or "",
                fields=form.accepted_fields(),
                actor=request.user,
            )
        except IntakeError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return back
        self.message_user(request, f"Accepted: {outcome.text}.", messages.SUCCESS)
        return back

    @admin.action(description="File as not a booking (ignored)")
    def ignore(self, request: HttpRequest, queryset: QuerySet[IntakeMessage]) -> None:
        for message in queryset:
            intake_message_ignore(message=message, actor=request.user)
        self.message_user(request, f"{queryset.count()} message(s) filed as ignored at {timezone.now():%H:%M}.")
