"""Admin for crew members, assignments and crew events; the assignment inline for the charter page."""

from __future__ import annotations

from django.contrib import admin

import crew.portal.admin  # noqa: F401  (registers the exposure log and feed-token admin)
from crew.models import CrewAssignment, CrewEvent, CrewMember


class CrewAssignmentInline(admin.TabularInline):
    model = CrewAssignment
    extra = 1
    autocomplete_fields = ["crew_member"]


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
    readonly_fields = ["updated_at"]
