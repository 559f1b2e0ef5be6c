"""What crew will see, on the charter's admin page — and any crew notice held back.

Office staff write the crew notes; crew get them scrubbed (``crew.scrub``). The charter page shows
exactly the crew-facing text (from the same payload builder the flow sends, ``bookings.payloads``)
with the phrases that were taken out highlighted, so nobody is surprised by what crew read. It is
rendered on every page load and save (no JavaScript needed); a small script refreshes it while
staff type, through a staff-only endpoint. Notices the independent money check held back
(``crew.models.CrewNotification`` in state *held*) are listed in red with the reason.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from bookings.models import Charter
from bookings.payloads import crew_event_payload
from crew.models import CrewNotification, NotificationState
from crew.scrub import scrub_spans, scrub_text

PREVIEW_MAX_CHARS = 20_000


def crew_text_marked(text: str) -> SafeString:
    """``text`` with each phrase the scrubber removes wrapped in ``<del>`` (escaped throughout)."""
    parts: list[tuple[str, str]] = []
    cursor = 0
    for start, end in scrub_spans(text):
        parts += [("", text[cursor:start]), ("removed", text[start:end])]
        cursor = end
    parts.append(("", text[cursor:]))
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html('<del title="removed for crew" style="background:#fde2e2">{}</del>', chunk)
                if kind
                else chunk,
            )
            for kind, chunk in parts
            if chunk
        ),
    )


def held_notices(charter: Charter) -> list[CrewNotification]:
    return list(
        CrewNotification.objects.filter(charter_ref=charter.code, state=NotificationState.HELD).select_related(
            "crew_member"
        )
    )


class CrewViewMixin:
    """Mixed into ``CharterAdmin``: the "What crew see" panel and its live-preview endpoint."""

    admin_site: Any
    has_change_permission: Any

    class Media:
        js = ["bookings/crew_preview.js"]

    @admin.display(description="What crew see")
    def crew_view(self, charter: Charter) -> SafeString | str:
        if charter.pk is None:
            return "Saved charters show here exactly what crew will read."
        payload = crew_event_payload(charter)
        held = held_notices(charter)
        alert = format_html_join(
            "",
            '<p class="jada-held" style="color:#b00020;font-weight:bold">Crew notice to {} held: {}</p>',
            ((n.crew_member.email, n.last_error or "it did not pass the money check") for n in held),
        )
        return format_html(
            '{}<dl class="jada-crew-view"><dt>Meeting point</dt><dd>{}</dd><dt>Notes</dt>'
            '<dd id="jada-crew-notes" style="white-space:pre-wrap">{}</dd></dl>'
            '<p class="help">Struck-through text is removed before crew see it. Crew read: '
            '<q id="jada-crew-notes-result">{}</q></p>',
            alert,
            payload["meeting_point"] or "—",
            crew_text_marked(charter.crew_notes) if charter.crew_notes else "—",
            payload["notes"] or "—",
        )

    def crew_view_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [path("crew-preview/", wrap(self.crew_preview_view), name="bookings_charter_crew_preview")]

    def crew_preview_view(self, request: HttpRequest) -> JsonResponse:
        """POST ``text``: the crew-facing version and the marked-up original (staff only)."""
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        text = str(request.POST.get("text", ""))[:PREVIEW_MAX_CHARS]
        return JsonResponse({"crew_text": scrub_text(text), "marked_html": str(crew_text_marked(text))})
