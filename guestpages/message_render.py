"""Rendering a guest message: the brand's wording, the brand's look, an allow-list of trip facts.

The rules it keeps:

- **Allow-list, not the charter.** ``guest_message_context`` copies the facts a guest may read
  (their name, the date, time, meeting point, the page link) into a plain dict. Templates — ours
  and the ones staff edit per brand — never see the ``Charter``, so money, internal or crew notes
  and other guests cannot be named by a template typo.
- **Everything a person typed is escaped.** Staff wording is rendered to plain text first, then
  the whole text is escaped and turned into paragraphs for the HTML part, so neither the guest's
  name nor a staff member's ``<b>`` becomes markup. The layout templates are autoescaped.
- **Staff templates are sandboxed.** They compile in an engine with no template loaders, so
  ``{% include %}`` / ``{% extends %}`` cannot pull in other files; a syntax error is refused when
  the template is saved (``guest_message_template_check``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import mark_safe

from guestpages.errors import GuestPageError
from guestpages.message_models import NON_ESSENTIAL_KINDS, GuestMessageKind, GuestMessageTemplate
from guestpages.render import WHAT_TO_BRING
from guestpages.services import guest_page_public_url
from guestpages.window import photo_window

if TYPE_CHECKING:
    from bookings.models import Brand, Charter

DEFAULT_WORDING: dict[str, tuple[str, str]] = {
    GuestMessageKind.CONFIRMATION: (
        "You're booked: {{ vessel }} on {{ date_label }}",
        "Hello {{ guest_first_name }},\n\n"
        "Your charter aboard {{ vessel }} is confirmed for {{ date_label }}, {{ time_label }}.\n\n"
        "Everything about your trip is on your page, and you can share your photos there after the sail.",
    ),
    GuestMessageKind.REMINDER: (
        "Tomorrow: {{ vessel }} at {{ start_time_label }}",
        "Hello {{ guest_first_name }},\n\n"
        "A reminder that we sail tomorrow, {{ date_label }}, {{ time_label }}. "
        "Please arrive 15 minutes early at the meeting point below.",
    ),
    GuestMessageKind.PHOTO_OPEN: (
        "Share your photos from {{ vessel }}",
        "Hello {{ guest_first_name }},\n\n"
        "Photo upload for your charter is open until {{ photo_closes_label }}. "
        "Add your favourite shots from your page.",
    ),
    GuestMessageKind.MOVED: (
        "Changed: your charter on {{ date_label }}",
        "Hello {{ guest_first_name }},\n\nYour charter aboard {{ vessel }} has changed. Here is what is different:",
    ),
    GuestMessageKind.CANCELLED: (
        "Cancelled: your charter on {{ date_label }}",
        "Hello {{ guest_first_name }},\n\n"
        "Your charter aboard {{ vessel }} on {{ date_label }} has been cancelled. "
        "We are sorry; please get in touch with us about what happens next.",
    ),
    GuestMessageKind.THANK_YOU: (
        "Thank you for sailing with {{ brand_name }}",
        "Hello {{ guest_first_name }},\n\n"
        "Thank you for sailing aboard {{ vessel }}. We hope to see you on the water again soon.",
    ),
}
# Which blocks the layout shows per kind (the wording above is the editable part).
_SHOW_DETAILS = {GuestMessageKind.CONFIRMATION, GuestMessageKind.REMINDER, GuestMessageKind.MOVED}
_SHOW_BRING = {GuestMessageKind.CONFIRMATION, GuestMessageKind.REMINDER}
_BUTTONS = {
    GuestMessageKind.CONFIRMATION: "Open your charter page",
    GuestMessageKind.REMINDER: "Open your charter page",
    GuestMessageKind.PHOTO_OPEN: "Upload your photos",
    GuestMessageKind.MOVED: "See your updated page",
    GuestMessageKind.THANK_YOU: "Share your photos",
}
CHANGE_LABELS = {"date": "Date", "time": "Time", "meeting_point": "Meeting point"}

# Staff-edited templates: builtin tags and filters only, and no loaders (no include/extends).
_SANDBOX = Engine(loaders=[], libraries={}, autoescape=False)


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def _day(value: datetime) -> str:
    return f"{value:%A, %B} {value.day}, {value.year}"


def _time(value: datetime) -> str:
    return f"{value:%I:%M %p}".lstrip("0")


def trip_facts(charter: Charter) -> dict[str, str]:
    """The facts whose change a guest is told about ("moved"), in the charter's local time."""
    zone = charter.brand.zone
    starts, ends = timezone.localtime(charter.starts_at, zone), timezone.localtime(charter.ends_at, zone)
    ends_day = "" if ends.date() == starts.date() else f"{_day(ends)} "
    return {
        "date": _day(starts),
        "time": f"{_time(starts)} – {ends_day}{_time(ends)} {starts:%Z}",
        "meeting_point": charter.meeting_point,
    }


def guest_message_context(
    charter: Charter, *, kind: str, changes: list[dict[str, str]] | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The only data a guest message's templates get (see module docstring)."""
    brand = charter.brand
    zone = brand.zone
    facts = trip_facts(charter)
    window = photo_window(charter, now=now)
    closes = timezone.localtime(window.closes_at, zone)
    page_url = guest_page_public_url(charter)  # the same address the publisher records
    name = " ".join(charter.guest_name.split())
    return {
        "kind": kind,
        "code": charter.code,
        "guest_name": name,
        "guest_first_name": name.split(" ")[0] if name else "there",
        "brand_name": brand.name,
        "vessel": charter.vessel.name,
        "party_size": charter.party_size,
        "date_label": facts["date"],
        "time_label": facts["time"],
        "start_time_label": _time(timezone.localtime(charter.starts_at, zone)),
        "meeting_point": charter.meeting_point,
        "guest_notes": charter.guest_notes,
        "page_url": page_url,
        "photo_url": f"{page_url}#photos" if window.is_open else "",
        "photo_closes_label": f"{_day(closes)} at {_time(closes)} {closes:%Z}",
        "contact_line": brand.contact_line,
        "changes": [
            {"label": CHANGE_LABELS.get(c["field"], c["field"]), "before": c["before"], "after": c["after"]}
            for c in (changes or [])
        ],
    }


def guest_message_template_check(subject: str, body: str) -> None:
    """Refuse wording that does not compile (staff see the sentence in the admin form)."""
    for label, source in (("subject", subject), ("body", body)):
        try:
            _SANDBOX.from_string(source)
        except TemplateSyntaxError as exc:
            raise GuestPageError(f"The {label} is not a valid template: {exc}") from exc


def _wording(brand: Brand, kind: str) -> tuple[str, str]:
    custom = GuestMessageTemplate.objects.filter(brand=brand, kind=kind).first()
    return guest_message_wording(kind, None if custom is None else (custom.subject, custom.body))


def guest_message_wording(kind: str, custom: tuple[str, str] | None) -> tuple[str, str]:
    """The subject and body to render: the brand's own (``custom``) where not blank, else ours."""
    subject, body = DEFAULT_WORDING[kind]
    if custom is not None:
        subject, body = custom[0].strip() or subject, custom[1].strip() or body
    return subject, body


def guest_message_render(
    context: dict[str, Any], *, brand: Brand, unsubscribe_url: str = "", wording: tuple[str, str] | None = None
) -> RenderedMessage:
    """Subject, plain text and HTML of one message; ``wording`` overrides the brand's (admin preview)."""
    kind = context["kind"]
    subject_source, body_source = wording or _wording(brand, kind)
    guest_message_template_check(subject_source, body_source)
    plain = Context(context, autoescape=False)
    subject = " ".join(_SANDBOX.from_string(subject_source).render(plain).split())[:200]
    intro = _SANDBOX.from_string(body_source).render(plain).strip()
    layout = {
        **context,
        "subject": subject,
        "intro_text": intro,
        # Safe: the whole text was escaped first; only <p>, <br> and <a> for links are added.
        "intro_html": mark_safe(urlize(linebreaks(escape(intro)))),  # noqa: S308
        "show_details": kind in _SHOW_DETAILS,
        "what_to_bring": WHAT_TO_BRING if kind in _SHOW_BRING else [],
        "button_label": _BUTTONS.get(kind, ""),
        "button_url": context["photo_url"] if kind == GuestMessageKind.THANK_YOU else context["page_url"],
        "show_contact": True,
        "unsubscribe_url": unsubscribe_url if kind in NON_ESSENTIAL_KINDS else "",
        "brand": {
            "name": brand.name,
            "domain": brand.domain,
            "logo_url": brand.theme_logo_url,
            "primary_color": brand.theme_primary_color,
            "accent_color": brand.theme_accent_color,
        },
    }
    if kind == GuestMessageKind.PHOTO_OPEN:
        layout["button_url"] = context["photo_url"] or context["page_url"]
    text = render_to_string("guestpages/email/message.txt", layout)
    html = render_to_string("guestpages/email/message.html", layout)
    return RenderedMessage(subject=subject, text=text, html=html)


def guest_message_sample_context(brand: Brand, kind: str) -> dict[str, Any]:
    """A made-up trip for the admin preview (no real guest's data on a preview page)."""
    return {
        "kind": kind,
        "code": "SAMPLE1",
        "guest_name": "Jordan Avery",
        "guest_first_name": "Jordan",
        "brand_name": brand.name,
        "vessel": "JADA",
        "party_size": 6,
        "date_label": "Thursday, May 30, 2024",
        "time_label": "2:00 PM – 5:00 PM PDT",
        "start_time_label": "2:00 PM",
        "meeting_point": "Dock 7, Shelter Island Marina",
        "guest_notes": "Bring sunscreen and a light jacket.",
        "page_url": f"https://{brand.domain}/g/SAMPLE1",
        "photo_url": f"https://{brand.domain}/g/SAMPLE1#photos",
        "photo_closes_label": "Thursday, June 6, 2024 at 5:00 PM PDT",
        "contact_line": brand.contact_line,
        "changes": [{"label": "Time", "before": "1:00 PM – 4:00 PM PDT", "after": "2:00 PM – 5:00 PM PDT"}]
        if kind == GuestMessageKind.MOVED
        else [],
    }


def site_url(path: str) -> str:
    return str(settings.SITE_URL).rstrip("/") + path
