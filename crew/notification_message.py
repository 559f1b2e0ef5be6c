"""The e-mail that tells one crew member about one crew-facing event, checked before it may be sent.

Both checks read what crew would read — the subject, the plain text and what the HTML part shows
(its text and attribute values: ``crew.html_text``), each without the magic link: the scrubber's
``text_is_clean`` and, separately, ``crew.money_check``. A message failing either is never built
(``UnsafeMessageError``); the outbox (``crew.notifications``) holds its row.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from crew.html_text import visible_text
from crew.links import crew_login_link
from crew.models import CrewMember
from crew.money_check import money_findings
from crew.scrub import text_is_clean

HTML_TEMPLATE = "crew/email/event_notice.html"
SUBJECTS = {
    "assigned": "You're crew: {title} — {day}",
    "changed": "Changed: {title} — {day}",
    "cancelled": "Cancelled: {title} — {day}",
    "removed": "You're off: {title} — {day}",
}


class UnsafeMessageError(Exception):
    """A rendered e-mail would show something the scrubber removes; it is never sent."""


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
    html = render_to_string(HTML_TEMPLATE, context)
    # Both checks read what crew would read: the subject, the plain text and what the HTML part
    # shows (its text and attribute values, not our template's own CSS: crew.html_text), each
    # without the magic link. The second check is crew.money_check, not the scrubber again.
    parts = (subject, text.replace(link, ""), visible_text(html, template_name=HTML_TEMPLATE, skip=(link,)))
    if not all(text_is_clean(part) for part in parts):
        raise UnsafeMessageError(f"the {kind} e-mail for {event['id']} would show a scrubbed value")
    findings = [finding for part in parts for finding in money_findings(part)]
    if findings:
        raise UnsafeMessageError(f"the {kind} e-mail for {event['id']} looks like money: {'; '.join(findings)}")
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
