"""The crew portal's pages: my charters, one charter, my calendar feed. Read-only for crew.

Each view is a thin caller: ``crew_required`` resolves the signed-in crew member (or sends the
visitor to sign in), ``crew.portal.selectors`` reads the crew-facing store, and
``crew.portal.services`` writes the exposure log and feed tokens. SQL per page is constant
(session, user, member, and on a detail page one read and one insert of the exposure log);
the events themselves come from one DynamoDB call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from crew.models import CrewFeedToken, CrewMember, ExposureChannel
from crew.portal.auth import crew_required
from crew.portal.selectors import event_card, member_event, member_events_split
from crew.portal.services import crew_event_changes, crew_exposures_record, crew_feed_token_rotate, crew_last_looked

logger = logging.getLogger(__name__)


def store_unavailable_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """If the crew store cannot be read, say so politely (503) instead of an error page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (BotoCoreError, ClientError):
            logger.exception("The crew portal could not read the crew-events store")
            response = render(
                request, "crew/portal/unavailable.html", {"member": args[0] if args else None}, status=503
            )
            response["Retry-After"] = "60"
            return response

    return wrapper


def _feed_token(member: CrewMember) -> CrewFeedToken | None:
    try:
        return member.feed_token
    except CrewFeedToken.DoesNotExist:
        return None


@require_GET
@crew_required
@store_unavailable_page
def home(request: HttpRequest, member: CrewMember) -> HttpResponse:
    """Upcoming charters first (soonest first), then past ones (most recent first)."""
    events = member_events_split(member)
    feed_token = _feed_token(member)
    feed_url = request.build_absolute_uri(reverse("crew:feed", args=[feed_token.token])) if feed_token else ""
    context = {
        "member": member,
        "upcoming": events.upcoming,
        "past": events.past,
        # Both lists through one loop of the template (the list inline: no include per event),
        # each event as its card's strings (``event_card``).
        "sections": [
            (
                "upcoming",
                "Upcoming charters",
                [event_card(e) for e in events.upcoming],
                "No upcoming charters yet. The office will e-mail you when you're on one.",
            ),
            ("past", "Past charters", [event_card(e) for e in events.past], "None yet."),
        ],
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1] if feed_url else "",
    }
    return render(request, "crew/portal/home.html", context)


@require_GET
@crew_required
@store_unavailable_page
def event_detail(request: HttpRequest, member: CrewMember, event_id: str) -> HttpResponse:
    """One of the member's charters; anyone else's (or an unknown id) is a 404."""
    event = member_event(member, event_id)
    if event is None:
        raise Http404("No such charter on your crew list.")
    last = crew_last_looked(member=member, event_id=event.id)
    changes = crew_event_changes(member=member, event=event, last=last)
    crew_exposures_record(member=member, events=[event], channel=ExposureChannel.PORTAL)
    return render(request, "crew/portal/event.html", {"member": member, "event": event, "changes": changes})


@require_POST
@crew_required
def feed_rotate(request: HttpRequest, member: CrewMember) -> HttpResponse:
    """Create or replace the member's secret feed URL; the old one stops working."""
    crew_feed_token_rotate(member=member)
    return redirect(reverse("crew:home") + "#calendar")
