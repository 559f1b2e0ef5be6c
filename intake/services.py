"""E-mail in: store the raw message, then parse it and apply it — or keep it for a person.

Every entry point (``manage.py intake_email``, ``POST /api/intake/email``, the Amazon SES inbound
webhook) calls ``intake_email_receive`` or, for the webhook, ``intake_message_store`` and then
``intake_message_process`` in a task. The raw bytes are committed *before* parsing, so a parser
bug or a crash loses nothing; the same bytes twice are one row and change nothing; a message no
parser recognises, or one missing a required field, is kept in the review queue, never guessed
into a charter. Staff fix its fields and accept it in one step (``intake_message_accept``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from bookings.models import Charter, Vessel
from intake import parsing
from intake.charters import ACTOR, NeedsReview, booking_apply
from intake.email_text import MessageText, message_text
from intake.models import IntakeMessage, IntakeSource, MessageState
from jada.audit import audit_record
from jada.errors import JadaError

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1_000_000
REQUIRED = {
    parsing.REQUEST: ("booking_id", "vessel", "starts_at", "ends_at"),
    parsing.CONFIRMATION: ("booking_id", "vessel", "starts_at", "ends_at"),
    parsing.CHANGE: ("booking_id",),
    parsing.CANCELLATION: ("booking_id",),
}


class IntakeError(JadaError):
    """A message intake refuses outright (too large, empty); answered as a 4xx, never stored."""


@dataclass(frozen=True)
class Outcome:
    text: str  # "created CODE", "review N", … (DESIGN.md Commands)
    message: IntakeMessage

    @property
    def charter(self) -> Charter | None:
        return self.message.charter


def intake_message_store(*, raw: bytes, via: str) -> tuple[IntakeMessage, bool]:
    """Commit the raw message (once per distinct bytes); returns (row, created)."""
    if not raw.strip():
        raise IntakeError("The message is empty.", code="empty")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise IntakeError(f"The message is larger than {MAX_MESSAGE_BYTES} bytes.", code="too_large")
    digest = hashlib.sha256(raw).hexdigest()
    with transaction.atomic():
        return IntakeMessage.objects.get_or_create(sha256=digest, defaults={"raw": raw, "via": via})


def intake_email_receive(*, raw: bytes, via: str, source_name: str | None = None) -> Outcome:
    """Store, then process; a message seen before reports what it did then and changes nothing."""
    message, created = intake_message_store(raw=raw, via=via)
    if not created and message.state != MessageState.RECEIVED:
        return Outcome(_repeat_outcome(message), message)
    return intake_message_process(message=message, source_name=source_name)


def _repeat_outcome(message: IntakeMessage) -> str:
    if message.charter_id and message.state in (MessageState.PROCESSED, MessageState.ACCEPTED):
        return f"unchanged {message.charter.code}"  # type: ignore[union-attr]
    return f"review {message.pk}"


def source_for(text: MessageText, source_name: str | None) -> IntakeSource | None:
    """The named source, else the one whose sender domain sent it (or is linked from the text)."""
    sources = list(IntakeSource.objects.select_related("brand"))
    if source_name:
        return next((s for s in sources if s.name == source_name), None)
    domain = text.sender.rpartition("@")[2]
    for source in sources:
        if any(domain == d or domain.endswith("." + d) for d in source.domains):
            return source
    lowered = text.text.lower()
    return next((s for s in sources if any(d in lowered for d in s.domains)), None)


def intake_message_process(*, message: IntakeMessage, source_name: str | None = None) -> Outcome:
    """Parse one stored message and apply it; anything short of a clear booking goes to review."""
    text = message_text(bytes(message.raw))
    message.subject, message.sender, message.message_id = text.subject[:300], text.sender[:300], text.message_id
    source = source_for(text, source_name)
    message.source = source
    if source is None:
        return _review(message, f"No intake source matches the sender {text.sender or '(none)'}.")
    parsed = parsing.message_parse(source=source, message=text)
    message.kind, message.fields = parsed.kind or "", parsed.fields
    if parsed.kind is None:
        return _review(message, f"Not a booking message from {source} that any parser recognises.")
    missing = [name for name in REQUIRED[parsed.kind] if not parsed.fields.get(name)]
    if missing:
        return _review(message, f"Missing {', '.join(missing)} in a {parsed.kind} message.")
    return _apply(message, source, parsed.kind, parsed.fields, MessageState.PROCESSED, ACTOR)


def _apply(
    message: IntakeMessage, source: IntakeSource, kind: str, fields: dict[str, Any], state: str, actor: Any
) -> Outcome:
    vessel = Vessel.objects.filter(name=fields.get("vessel", "")).first()
    label = actor if isinstance(actor, str) else actor.get_username()
    try:
        applied = booking_apply(source=source, kind=kind, fields=fields, vessel=vessel, actor=label)
    except NeedsReview as exc:
        return _review(message, exc.message)
    message.state, message.outcome, message.charter, message.problem = state, str(applied), applied.charter, ""
    message.processed_at = timezone.now()
    message.save()
    return Outcome(str(applied), message)


def _review(message: IntakeMessage, problem: str) -> Outcome:
    message.state, message.problem, message.processed_at = MessageState.REVIEW, problem[:300], timezone.now()
    message.outcome = f"review {message.pk}"
    message.save()
    logger.info("intake message %s kept for review: %s", message.pk, problem)
    return Outcome(message.outcome, message)


def intake_message_accept(
    *, message: IntakeMessage, source: IntakeSource, kind: str, fields: dict[str, Any], actor: Any
) -> Outcome:
    """Staff's fix-and-accept: the fields they checked, applied as if the parser had found them."""
    if kind not in REQUIRED:
        raise IntakeError(f"Choose what kind of message this is ({', '.join(REQUIRED)}).", code="kind")
    missing = [name for name in REQUIRED[kind] if not fields.get(name)]
    if missing:
        raise IntakeError(f"Fill in {', '.join(missing)} before accepting.", code="missing")
    message.source, message.kind, message.fields = source, kind, fields
    with transaction.atomic():
        audit_record(action="intake.message_accept", obj=message, actor=actor, data={"kind": kind})
    outcome = _apply(message, source, kind, fields, MessageState.ACCEPTED, actor)
    if outcome.message.state == MessageState.REVIEW:
        raise IntakeError(outcome.message.problem, code="review")
    return outcome


def intake_message_ignore(*, message: IntakeMessage, actor: Any) -> IntakeMessage:
    """Not a booking (a newsletter): filed as ignored, visibly, rather than deleted."""
    with transaction.atomic():
        message.state = MessageState.IGNORED
        message.save(update_fields=["state"])
        audit_record(action="intake.message_ignore", obj=message, actor=actor)
    return message
