"""Admin for crew members, assignments, crew events and the notification outbox.

The crew event's page lists its notifications (pending, sending, sent, held, failed) so staff see
at a glance whether crew were told; the outbox list filters them by state and kind. The only
action is "send again", a service call, for rows staff decided to re-send (a ``sending`` row may
already have been delivered, which is why nothing re-sends it by itself).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

import crew.portal.admin  # noqa: F401  (registers the exposure log and feed-token admin)
from crew.dynamo import crew_event_id
from crew.models import CrewAssignment, CrewEvent, CrewMember, CrewNotification, NotificationState
from crew.notifications import crew_notification_resend


class CrewAssignmentInline(admin.TabularInline):
    model = CrewAssignment
    extra = 1
    autocomplete_fields = ["crew_member"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CrewAssignment]:
        # Each row prints "<member> as <role>": one query for all rows, not one per crew member.
        return super().get_queryset(request).select_related("crew_member")


@admin.register(CrewMember)
class CrewMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "roles", "is_active"]
    search_fields = ["name", "email", "phone"]
    list_select_related = ["user"]
    list_filter = ["user__is_active"]
    autocomplete_fields = ["user"]

    @admin.display(boolean=True, description="Active", ordering="user__is_active")
    def is_active(self, member: CrewMember) -> bool:
        return member.user.is_active


@admin.register(CrewAssignment)
class CrewAssignmentAdmin(admin.ModelAdmin):
    list_display = ["charter", "crew_member", "role"]
    list_filter = ["role"]
    search_fields = ["charter__code", "crew_member__name", "crew_member__email"]
    list_select_related = ["charter", "crew_member"]
    autocomplete_fields = ["charter", "crew_member"]


@admin.register(CrewEvent)
class CrewEventAdmin(admin.ModelAdmin):
    list_display = ["charter", "sync_state", "attempts", "last_synced_at", "remote_id"]
    list_filter = ["sync_state"]
    search_fields = ["charter__code", "remote_id"]
    list_select_related = ["charter"]
    autocomplete_fields = ["charter"]
    readonly_fields = ["updated_at", "notifications"]

    @admin.display(description="Crew notifications")
    def notifications(self, event: CrewEvent) -> SafeString:
        if event.pk is None:
            return format_html("{}", "—")
        rows = (
            CrewNotification.objects.filter(event_id=crew_event_id(event.charter.code))
            .select_related("crew_member")
            .order_by("version", "crew_member__name", "kind")
        )
        if not rows:
            return format_html("{}", "None recorded yet.")
        body = format_html_join(
            "",
            '<tr class="jada-notification jada-notification-{}"><td>v{}</td><td>{}</td><td>{}</td>'
            "<td><strong>{}</strong></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    r.state,
                    r.version,
                    r.crew_member.name,
                    r.get_kind_display(),
                    r.get_state_display(),
                    r.attempts,
                    r.sent_at.strftime("%Y-%m-%d %H:%M:%S") if r.sent_at else "",
                    r.last_error,
                )
                for r in rows
            ),
        )
        return format_html(
            '<table class="jada-notifications"><thead><tr><th>Version</th><th>Crew member</th><th>Kind</th>'
            "<th>State</th><th>Attempts</th><th>Sent</th><th>Last error</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )


@admin.register(CrewNotification)
class CrewNotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "charter_ref", "crew_member", "version", "kind", "state", "attempts", "sent_at"]
    list_filter = ["state", "kind", "created_at"]
    search_fields = ["charter_ref", "event_id", "message_id", "crew_member__name", "crew_member__email"]
    list_select_related = ["crew_member"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "event_id",
        "charter_ref",
        "crew_member",
        "version",
        "kind",
        "state",
        "attempts",
        "last_error",
        "message_id",
        "created_at",
        "updated_at",
        "sent_at",
    ]
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CrewNotification | None = None) -> bool:
        return False

    @admin.action(description="Send again (a 'sending' row may already have been delivered)")
    def send_again(self, request: HttpRequest, queryset: QuerySet[CrewNotification]) -> None:
        count = 0
        with transaction.atomic():
            for row in queryset.exclude(state=NotificationState.SENT):
                crew_notification_resend(notification=row)
                count += 1
        self.message_user(request, f"{count} notification(s) queued to send again.", messages.SUCCESS)
