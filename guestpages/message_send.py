"""Sending due guest messages: claim, send at most once, mark — from the charter's brand only.

The rules it keeps (docs/guest-pages.md "Guest messages"):

- **Claim, then send, then mark.** A sender claims due rows with ``SELECT … FOR UPDATE SKIP
  LOCKED`` on PostgreSQL (two senders never wait on, or take, the same row) and moves each
  ``due → sending`` with a fresh Message-ID by a conditional UPDATE that only one sender can win
  (which also keeps SQLite correct). That commits *before* the message is handed to the mail
  server; after the hand-over the row becomes ``sent``. A row found ``sending`` later is never
  sent again by a machine (``guest_messages_redrive`` makes it ``uncertain`` for staff): a crash
  between send and mark can delay or lose that one message, never double it.
- **A refusal is not a send.** If the backend raises, the ESP did not accept the message; the
  row goes back to ``due`` with a back-off (``failed`` after ``MAX_ATTEMPTS``).
- **From the brand, or not at all.** ``guest_message_sender_check`` refuses a From or Reply-To
  outside the charter's brand domain, so a queenofsandiego.com guest never gets sailjada.com
  mail, whatever a brand row says.
- **Never to a suppressed address, never in quiet hours, never a switched-off kind.** Checked
  at claim time, in the claim's transaction.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from guestpages.errors import GuestPageError
from guestpages.message_delivery import address_suppressed, unsubscribe_url
from guestpages.message_models import GuestMessage, GuestMessageKind, GuestMessageState, GuestMessageTemplate
from guestpages.message_render import guest_message_context, guest_message_render, guest_message_wording
from guestpages.quiet_hours import quiet_hours_next_allowed

if TYPE_CHECKING:
    from bookings.models import Brand

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=5)


class SenderRefused(GuestPageError):
    """A brand's From or Reply-To is not on the brand's own domain."""


@dataclass
class SendReport:
    """What one run did: ``sent`` per kind, and how many rows took each other way."""

    sent: Counter[str] = field(default_factory=Counter)
    deferred: int = 0
    skipped: int = 0
    failed: int = 0
    retrying: int = 0

    def lines(self) -> list[str]:
        kinds = [f"{kind.value}: {self.sent.get(kind.value, 0)}" for kind in GuestMessageKind]
        rest = f"deferred (quiet hours): {self.deferred}, skipped: {self.skipped}"
        return [*kinds, f"{rest}, retrying: {self.retrying}, failed: {self.failed}"]


def brand_sender(brand: Brand) -> tuple[str, str]:
    """(From, Reply-To) of a brand's guest mail, both checked against the brand's domain."""
    address = brand.mail_from or f"hello@{brand.domain}"
    reply_to = brand.mail_reply_to or address
    guest_message_sender_check(brand, address)
    guest_message_sender_check(brand, reply_to)
    return f"{brand.name} <{address}>", reply_to


def guest_message_sender_check(brand: Brand, address: str) -> None:
    """The send guard: ``address`` must be at the brand's domain or one of its subdomains."""
    domain = address.rsplit("@", 1)[-1].strip().lower().rstrip(">") if "@" in address else ""
    own = brand.domain.lower()
    if not domain or not (domain == own or domain.endswith("." + own)):
        raise SenderRefused(f"{address!r} is not on {brand.name}'s domain {own}; guest mail must come from it.")


def guest_messages_send(*, now: datetime | None = None, ids: list[int] | None = None, limit: int = 1000) -> SendReport:
    """Send what is due (``ids``: only those rows); returns what happened, per kind.

    Rows are claimed one at a time, each just before it is sent, so the window in which a dying
    sender leaves a row ``sending`` is one hand-over long, not a batch long.
    """
    report = SendReport()
    seen: set[int] = set()
    while len(seen) < limit:
        query = GuestMessage.objects.filter(state=GuestMessageState.DUE, due_at__lte=now or timezone.now())
        if ids is not None:
            query = query.filter(pk__in=ids)
        batch = list(
            query.exclude(pk__in=seen).order_by("due_at", "id").values_list("pk", flat=True)[: min(BATCH_SIZE, limit)]
        )
        if not batch:
            break
        for pk in batch:
            seen.add(pk)
            claimed = _claim(pk, report, now=now or timezone.now())
            if claimed is not None:
                _deliver(*claimed, report)
        if ids is not None and seen.issuperset(ids):
            break  # every row asked for was tried: no query to find there is nothing left
    return report


def _claim(pk: int, report: SendReport, *, now: datetime) -> tuple[GuestMessage, EmailMultiAlternatives] | None:
    """One short transaction: lock the row unless another sender holds it (SKIP LOCKED), decide,
    build the e-mail, and mark it ``sending`` with its Message-ID; the commit precedes the send."""
    with transaction.atomic():
        query = GuestMessage.objects.filter(pk=pk, state=GuestMessageState.DUE, due_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            query = query.select_for_update(skip_locked=True, of=("self",))
        # The brand's template for this kind comes with the row (one statement, not one for the
        # verdict and another for the wording).
        row = query.select_related("charter__brand", "charter__vessel").annotate(template=_TEMPLATE).first()
        if row is None:
            return None  # another sender has it, or it is no longer due
        template: dict[str, Any] | None = row.template
        verdict = _verdict(row, now, template)
        if isinstance(verdict, datetime):
            GuestMessage.objects.filter(pk=pk).update(due_at=verdict, updated_at=now)
            report.deferred += 1
            return None
        if verdict is not None:
            state, why = verdict
            GuestMessage.objects.filter(pk=pk).update(state=state, last_error=why, updated_at=now)
            report.failed += state == GuestMessageState.FAILED
            report.skipped += state != GuestMessageState.FAILED
            return None
        row.message_id = make_msgid(idstring=f"gm{row.pk}v{row.version}", domain=row.charter.brand.domain)
        try:
            message = guest_message_email(
                row, now=now, wording=guest_message_wording(row.kind, _custom_wording(template))
            )
        except Exception as exc:  # a template or brand problem: nothing is handed over
            logger.exception("guest message %s could not be built", pk)
            GuestMessage.objects.filter(pk=pk).update(
                state=GuestMessageState.FAILED, last_error=f"Could not be built: {exc}"[:500], updated_at=now
            )
            report.failed += 1
            return None
        # Conditional, so that without row locks (SQLite) only one sender wins the row.
        won = GuestMessage.objects.filter(pk=pk, state=GuestMessageState.DUE).update(
            state=GuestMessageState.SENDING,
            message_id=row.message_id,
            sending_at=now,
            attempts=row.attempts + 1,
            updated_at=now,
        )
        if not won:
            return None
        row.state, row.attempts = GuestMessageState.SENDING, row.attempts + 1
    return row, message


# The row's brand's template for its kind (unique per brand and kind), as {enabled, subject, body}.
_TEMPLATE = Subquery(
    GuestMessageTemplate.objects.filter(brand_id=OuterRef("charter__brand_id"), kind=OuterRef("kind")).values(
        values=JSONObject(enabled="enabled", subject="subject", body="body")
    )[:1],
    output_field=JSONField(),
)


def _custom_wording(template: dict[str, Any] | None) -> tuple[str, str] | None:
    return None if template is None else (str(template["subject"] or ""), str(template["body"] or ""))


def _verdict(row: GuestMessage, now: datetime, template: dict[str, Any] | None) -> datetime | tuple[str, str] | None:
    """None: send it now; a time: not before then (quiet hours); (state, why): not at all.
    ``template``: the brand's template for the row's kind (``_TEMPLATE``), or None."""
    charter, brand = row.charter, row.charter.brand
    if charter.status == "cancelled" and row.kind != GuestMessageKind.CANCELLED:
        return GuestMessageState.VOIDED, "voided: the charter was cancelled"
    if row.kind == GuestMessageKind.REMINDER and now >= charter.starts_at:
        return GuestMessageState.SKIPPED, "skipped: the trip had started"
    suppressed = address_suppressed(brand=brand, email=row.to_email, kind=row.kind)
    if suppressed:
        return GuestMessageState.SKIPPED, f"skipped: the address {suppressed} for {brand.name}"
    if template is not None and not template["enabled"]:
        return GuestMessageState.SKIPPED, f"skipped: {brand.name} has switched this kind off"
    try:
        brand_sender(brand)
    except SenderRefused as exc:
        return GuestMessageState.FAILED, exc.message
    allowed = quiet_hours_next_allowed(brand, now)
    return allowed if allowed > now else None


def guest_message_email(
    row: GuestMessage, *, now: datetime | None = None, wording: tuple[str, str] | None = None
) -> EmailMultiAlternatives:
    """The e-mail for one ledger row, rendered from the charter as it is now (``wording``: the
    brand's subject and body already read, ``guest_message_wording``; else read here)."""
    charter, brand = row.charter, row.charter.brand
    sender, reply_to = brand_sender(brand)
    unsubscribe = unsubscribe_url(brand=brand, email=row.to_email)
    context = guest_message_context(charter, kind=row.kind, changes=row.content.get("changes"), now=now)
    rendered = guest_message_render(context, brand=brand, unsubscribe_url=unsubscribe, wording=wording)
    headers = {"Message-ID": row.message_id} if row.message_id else {}
    if row.kind in ("reminder", "thank_you"):
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender,
        to=[row.to_email],
        reply_to=[reply_to],
        headers=headers,
    )
    message.attach_alternative(rendered.html, "text/html")
    # Read by django-anymail (ignored by Django's own backends): the brand's SES configuration
    # set publishes its delivery events; the metadata comes back on them to find this row.
    extra: Any = message
    extra.metadata = {"guest_message": str(row.pk), "brand": brand.slug}
    if brand.mail_configuration_set:
        extra.esp_extra = {"ConfigurationSetName": brand.mail_configuration_set}
    return message


def _deliver(row: GuestMessage, message: EmailMultiAlternatives, report: SendReport) -> None:
    try:
        message.send()
    except Exception as exc:  # the backend raised: the ESP did not accept it
        retry = row.attempts < MAX_ATTEMPTS
        logger.warning("guest message %s not accepted (%s); %s", row.pk, exc, "retrying" if retry else "giving up")
        _release(row, f"Not accepted: {type(exc).__name__}: {exc}"[:500], retry=retry)
        report.retrying += retry
        report.failed += not retry
        return
    status = getattr(message, "anymail_status", None)
    esp_id = str(getattr(status, "message_id", "") or "")[:255]
    GuestMessage.objects.filter(pk=row.pk, state=GuestMessageState.SENDING).update(
        state=GuestMessageState.SENT,
        sent_at=timezone.now(),
        esp_message_id=esp_id,
        last_error="",
        updated_at=timezone.now(),
    )
    report.sent[row.kind] += 1


def _release(row: GuestMessage, why: str, *, retry: bool) -> None:
    now = timezone.now()
    state = GuestMessageState.DUE if retry else GuestMessageState.FAILED
    GuestMessage.objects.filter(pk=row.pk, state=GuestMessageState.SENDING).update(
        state=state, last_error=why, due_at=now + RETRY_AFTER * row.attempts, message_id="", updated_at=now
    )
