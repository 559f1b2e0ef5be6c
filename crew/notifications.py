"""Telling crew about their events by e-mail — only from a verified-clean record, once per version.

The rules this keeps (the incident: crew were e-mailed a record still carrying revenue):

1. **No clean record, no e-mail.** The item is re-read from DynamoDB and verified
   (``crew_item_problems``: no attribute outside the allow-list, no free text with money). If it
   fails: nothing is sent, the error is logged loudly and the item is marked
   ``delivery_state=failed`` for the sweep and the office to see.
2. **Once per member per version.** A ``CrewNotification`` row (unique per event, member,
   version and kind) is inserted in the same transaction that sends; a task that runs twice, or
   two workers at once, send one e-mail. If sending fails the marker rolls back, so a retry sends.
3. **Only crew-facing content.** The e-mail is rendered from ``crew_facing`` output, and the
   rendered text is checked again before it goes.

Each message carries a magic link from ``crew.links.crew_login_link`` and is recorded as a
``CrewExposure`` (channel e-mail).
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from crew import dynamo
from crew.crew_facing import crew_facing
from crew.links import crew_login_link
from crew.models import CrewExposure, CrewMember, CrewNotification, ExposureChannel
from crew.scrub import text_is_clean

logger = logging.getLogger(__name__)

SUBJECTS = {
    "assigned": "You're crew: {title} — {day}",
    "changed": "Changed: {title} — {day}",
    "cancelled": "Cancelled: {title} — {day}",
    "removed": "You're off: {title} — {day}",
}


class UnsafeMessageError(Exception):
    """A rendered e-mail would show something the scrubber removes; it is never sent."""


@dataclass
class NotifyOutcome:
    sent: int = 0
    skipped: int = 0
    verified: bool = True


def crew_event_notify(*, event_id: str, version: int, notices: dict[str, str]) -> NotifyOutcome:
    """E-mail each member in ``notices`` (e-mail → kind) about ``version`` of ``event_id``."""
    outcome = NotifyOutcome()
    item = dynamo.crew_event_item(event_id)
    if item is None:
        logger.warning("Crew event %s is gone; nobody is told about version %s", event_id, version)
        return outcome
    problems = dynamo.crew_item_problems(item)
    if problems:
        outcome.verified = False
        logger.error(
            "Crew event %s failed verification before notifying (%s): NO e-mail sent; marked failed",
            event_id,
            "; ".join(problems),
        )
        dynamo.crew_event_delivery_mark(event_id, version=int(item.get("version") or version), state="failed")
        return outcome
    event = crew_facing(item)
    for email, kind in sorted(notices.items()):
        if event["status"] == "cancelled" and kind not in ("cancelled", "removed"):
            outcome.skipped += 1  # cancelled since: the cancellation notice supersedes this one
            continue
        member = CrewMember.objects.select_related("user").filter(email__iexact=email).first()
        if member is None:
            logger.warning("Crew event %s lists %s, who is not a crew member here; not e-mailed", event_id, email)
            outcome.skipped += 1
            continue
        if not member.user.is_active:
            outcome.skipped += 1
            continue
        try:
            message = crew_event_message(member, event, kind=kind)
        except UnsafeMessageError as exc:
            outcome.verified = False
            logger.error("Crew event %s: %s: NO e-mail sent; marked failed", event_id, exc)
            dynamo.crew_event_delivery_mark(event_id, version=event["version"] or version, state="failed")
            return outcome
        if _send_once(member, event, message, version=version, kind=kind):
            outcome.sent += 1
        else:
            outcome.skipped += 1
    dynamo.crew_event_delivery_mark(event_id, version=event["version"] or version, state="notified")
    return outcome


def _send_once(
    member: CrewMember, event: dict[str, Any], message: EmailMultiAlternatives, *, version: int, kind: str
) -> bool:
    with transaction.atomic():
        try:
            with transaction.atomic():
                CrewNotification.objects.create(event_id=event["id"], crew_member=member, version=version, kind=kind)
        except IntegrityError:
            return False  # already told about this version
        message.send()
        CrewExposure.objects.create(
            crew_member=member, event_id=event["id"], version=event["version"] or version, channel=ExposureChannel.EMAIL
        )
    return True


def crew_event_message(member: CrewMember, event: dict[str, Any], *, kind: str) -> EmailMultiAlternatives:
    """The e-mail for one member about one crew-facing ``event``; refuses to build an unsafe one."""
    link = crew_login_link(member)
    role = next((e["role"] for e in event["crew"] if e["email"].lower() == member.email.lower()), "")
    context = {
        "event": event,
        "kind": kind,
        "member": member,
        "role": role,
        "when": event_when(event),
        "link": link,
        "link_minutes": int(settings.SESAME_MAX_AGE.total_seconds() // 60),
    }
    day = _local(event["starts_at"])
    subject = SUBJECTS.get(kind, SUBJECTS["assigned"]).format(
        title=event["title"], day=day.strftime("%a %-d %b %H:%M") if day else ""
    )
    text = render_to_string("crew/email/event_notice.txt", context)
    html = render_to_string("crew/email/event_notice.html", context)
    for part in (subject, text.replace(link, ""), html.replace(link.replace("&", "&amp;"), "")):
        if not text_is_clean(part):
            raise UnsafeMessageError(f"the {kind} e-mail for {event['id']} would show a scrubbed value")
    message = EmailMultiAlternatives(subject=subject, body=text, to=[member.email])
    message.attach_alternative(html, "text/html")
    return message


def _local(value: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))


def event_when(event: dict[str, Any]) -> str:
    """When, in the company's local time: "Thu 30 May 2024, 14:00–18:00 PDT"."""
    start, end = _local(event["starts_at"]), _local(event["ends_at"])
    if start is None:
        return ""
    text = start.strftime("%a %-d %b %Y, %H:%M")
    if end is not None:
        text += end.strftime("–%H:%M") if end.date() == start.date() else end.strftime(" – %a %-d %b %H:%M")
    return f"{text} {start.tzname()}"
