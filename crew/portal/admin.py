"""Admin for the crew portal's records: the exposure log (read-only) and calendar-feed tokens.

The exposure log answers "who was shown which version of which event, and how"; it is a record,
so nobody edits or adds rows by hand. Crew never see it: crew users are not staff, and the admin
is staff-only. A feed token is shown only by its first characters (it is the feed's password);
the office can rotate it, which kills the old URL.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from crew.models import CrewExposure, CrewFeedToken
from crew.portal.services import crew_feed_token_rotate


@admin.register(CrewExposure)
class CrewExposureAdmin(admin.ModelAdmin):
    list_display = ["created_at", "crew_member", "event_id", "version", "channel"]
    list_filter = ["channel", "created_at"]
    search_fields = ["event_id", "crew_member__name", "crew_member__email"]
    list_select_related = ["crew_member"]
    date_hierarchy = "created_at"
    readonly_fields = ["crew_member", "event_id", "version", "channel", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CrewExposure | None = None) -> bool:
        return False


@admin.register(CrewFeedToken)
class CrewFeedTokenAdmin(admin.ModelAdmin):
    list_display = ["crew_member", "token_start", "created_at"]
    search_fields = ["crew_member__name", "crew_member__email"]
    list_select_related = ["crew_member"]
    fields = ["crew_member", "token_start", "created_at"]
    readonly_fields = ["crew_member", "token_start", "created_at"]
    actions = ["rotate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a member creates their own from the portal

    @admin.display(description="Token")
    def token_start(self, feed_token: CrewFeedToken) -> str:
        return f"{feed_token.token[:6]}…"

    @admin.action(description="Rotate (the old feed URL stops working)")
    def rotate(self, request: HttpRequest, queryset: QuerySet[CrewFeedToken]) -> None:
        count = 0
        for feed_token in queryset.select_related("crew_member"):
            crew_feed_token_rotate(member=feed_token.crew_member)
            count += 1
        self.message_user(request, f"Rotated {count} calendar feed URL(s).", messages.SUCCESS)
