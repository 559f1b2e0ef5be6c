"""Deliverability: bounces, complaints and unsubscribes stop a brand's mail to an address.

The rules it keeps:

- **Per brand, fail closed.** A permanent bounce or a complaint reported by the ESP (through
  django-anymail's tracking webhook) suppresses the address for the brand of the message it was
  about: nothing more is sent there, of any kind. An unsubscribe (one-click, RFC 8058) stops only
  the non-essential kinds; a guest still hears that their trip moved or was cancelled.
- **Each event once.** Events are recorded by the ESP's event id and recipient, so SNS
  redelivering a notification changes nothing.
- **Unsubscribe links are signed**, carry the brand and address only, and never act on a GET:
  mail scanners fetch links; only a POST (the one-click header, or the page's button) counts.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from guestpages.message_models import (
    NON_ESSENTIAL_KINDS,
    GuestDeliveryEvent,
    GuestMessage,
    GuestMessageState,
    GuestSuppression,
    SuppressionReason,
)
from guestpages.message_render import site_url

if TYPE_CHECKING:
    from bookings.models import Brand

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "guestpages.unsubscribe"
_STOP_ALL = (SuppressionReason.BOUNCED, SuppressionReason.COMPLAINED)


def address_suppressed(*, brand: Brand, email: str, kind: str) -> str:
    """Why the brand must not send ``kind`` to ``email`` ("bounced", …), or "" when it may."""
    found = GuestSuppression.objects.filter(brand=brand, email=email.strip().lower()).first()
    if found is None:
        return ""
    if found.reason in _STOP_ALL or kind in NON_ESSENTIAL_KINDS:
        return str(found.reason)
    return ""


def guest_address_suppress(*, brand: Any, email: str, reason: str, detail: str = "") -> GuestSuppression:
    """Stop the brand's mail to ``email``; a bounce or complaint outranks an earlier unsubscribe."""
    email = email.strip().lower()
    with transaction.atomic():
        row, created = GuestSuppression.objects.select_for_update().get_or_create(
            brand=brand, email=email, defaults={"reason": reason, "detail": detail[:300]}
        )
        if not created and row.reason == SuppressionReason.UNSUBSCRIBED and reason in _STOP_ALL:
            row.reason, row.detail = reason, detail[:300]
            row.save(update_fields=["reason", "detail"])
    return row


def unsubscribe_token(*, brand: Brand, email: str) -> str:
    return signing.dumps({"b": brand.pk, "e": email.strip().lower()}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, brand: Brand, email: str) -> str:
    return site_url(reverse("guestpages:unsubscribe", args=[unsubscribe_token(brand=brand, email=email)]))


def unsubscribe_token_read(token: str) -> tuple[int, str] | None:
    """(brand id, e-mail) from a link we signed, or None for anything else."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("b"), int) or not isinstance(data.get("e"), str):
        return None
    return data["b"], data["e"]


def guest_delivery_event_record(
    *,
    event_id: str,
    event_type: str,
    recipient: str,
    metadata: dict[str, Any] | None = None,
    esp_message_id: str = "",
    permanent: bool = True,
    detail: str = "",
    occurred_at: datetime | None = None,
) -> GuestDeliveryEvent | None:
    """Apply one ESP delivery event; None when it was seen before or is not about a guest message.

    ``bounced`` (permanent) and ``complained`` suppress the address for the message's brand and
    mark the message; ``sent``/``delivered`` settle a row a dead sender left ``sending`` or
    ``uncertain``. Transient bounces are recorded and change nothing else.
    """
    recipient = (recipient or "").strip().lower()
    message = _message_for(metadata or {}, esp_message_id)
    if message is None:
        return None  # crew or marketplace mail, or a message we no longer have
    key = f"{event_id}:{recipient}"[:200]
    try:
        with transaction.atomic():
            event = GuestDeliveryEvent.objects.create(
                event_id=key,
                event_type=event_type[:32],
                recipient=recipient,
                message=message,
                detail=detail[:300],
                occurred_at=occurred_at,
            )
            _apply(message, event_type, recipient, permanent=permanent, detail=detail)
    except IntegrityError:
        return None  # the same notification again
    return event


def _message_for(metadata: dict[str, Any], esp_message_id: str) -> GuestMessage | None:
    pk = str(metadata.get("guest_message") or "")
    query = GuestMessage.objects.select_related("charter__brand")
    if pk.isdigit():
        return query.filter(pk=int(pk)).first()
    if esp_message_id:
        return query.filter(esp_message_id=esp_message_id).first()
    return None


def _apply(message: GuestMessage, event_type: str, recipient: str, *, permanent: bool, detail: str) -> None:
    now = timezone.now()
    brand = message.charter.brand
    if event_type == "complained" or (event_type == "bounced" and permanent):
        reason = SuppressionReason.COMPLAINED if event_type == "complained" else SuppressionReason.BOUNCED
        guest_address_suppress(brand=brand, email=recipient or message.to_email, reason=reason, detail=detail)
        state = GuestMessageState.COMPLAINED if event_type == "complained" else GuestMessageState.BOUNCED
        GuestMessage.objects.filter(pk=message.pk).update(state=state, last_error=detail[:500], updated_at=now)
        logger.warning("%s %s for %s: no more mail to that address", recipient, event_type, brand)
    elif event_type in ("sent", "delivered", "queued"):
        GuestMessage.objects.filter(
            pk=message.pk, state__in=(GuestMessageState.SENDING, GuestMessageState.UNCERTAIN)
        ).update(state=GuestMessageState.SENT, sent_at=now, last_error="", updated_at=now)


def anymail_tracking_received(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """django-anymail ``tracking`` signal receiver (connected in ``GuestPagesConfig.ready``)."""
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    bounce = esp_event.get("bounce") or {}
    guest_delivery_event_record(
        event_id=str(event.event_id or f"{event.message_id}:{event.event_type}"),
        event_type=str(event.event_type),
        recipient=str(event.recipient or ""),
        metadata=event.metadata or {},
        esp_message_id=str(event.message_id or ""),
        permanent=bounce.get("bounceType", "Permanent") != "Transient",
        detail=str(event.description or event.mta_response or "")[:300],
        occurred_at=event.timestamp,
    )
