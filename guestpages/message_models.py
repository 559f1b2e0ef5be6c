"""Guest messages: the ledger of e-mails to a charter's guest, the brands' wording, suppressions.

Imported by ``guestpages.models`` so Django finds the models; the services are in
``guestpages/messages.py``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class GuestMessageKind(models.TextChoices):
    CONFIRMATION = "confirmation", "Confirmation"
    REMINDER = "reminder", "Reminder (day before)"
    PHOTO_OPEN = "photo_open", "Photo upload open"
    MOVED = "moved", "Moved (what changed)"
    CANCELLED = "cancelled", "Cancelled"
    THANK_YOU = "thank_you", "Thank-you"


# Kinds a guest may unsubscribe from (RFC 8058 one-click); the others are about their booking.
NON_ESSENTIAL_KINDS = frozenset({GuestMessageKind.REMINDER, GuestMessageKind.THANK_YOU})
# Kinds scheduled ahead of the trip: a reschedule regenerates them, a cancellation voids them.
SCHEDULED_KINDS = (GuestMessageKind.REMINDER, GuestMessageKind.PHOTO_OPEN, GuestMessageKind.THANK_YOU)


class GuestMessageState(models.TextChoices):
    DUE = "due", "Due"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    BOUNCED = "bounced", "Bounced"
    COMPLAINED = "complained", "Complained"
    VOIDED = "voided", "Voided"
    SKIPPED = "skipped", "Skipped"
    UNCERTAIN = "uncertain", "Uncertain (sender died)"
    FAILED = "failed", "Failed"


class GuestMessage(models.Model):
    """One e-mail to a charter's guest: a row of the transactional outbox.

    The rule it keeps: at most one row per (charter, kind, version), written in the transaction of
    the change that causes it, and each row is handed to the mail server at most once: a sender
    first commits ``due → sending`` with the row's Message-ID, then sends, then marks ``sent``.
    A row found ``sending`` later is never sent again by a machine (it becomes ``uncertain`` for
    staff, who may resend it as a new version) — see docs/guest-pages.md "Guest messages".
    """

    charter = models.ForeignKey("bookings.Charter", on_delete=models.CASCADE, related_name="guest_messages")
    kind = models.CharField(max_length=16, choices=GuestMessageKind.choices)
    version = models.PositiveIntegerField(default=1)
    to_email = models.EmailField()
    due_at = models.DateTimeField(db_index=True)
    state = models.CharField(
        max_length=16, choices=GuestMessageState.choices, default=GuestMessageState.DUE, db_index=True
    )
    content = models.JSONField(
        default=dict, blank=True, help_text="What the trip looked like when planned (for 'moved': what changed)."
    )
    message_id = models.CharField(max_length=255, blank=True, help_text="Our Message-ID, set before sending.")
    esp_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "kind", "version"], name="guest_message_once_per_version"),
            models.UniqueConstraint(
                fields=["message_id"], condition=~Q(message_id=""), name="guest_message_unique_message_id"
            ),
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="guest_message_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} for charter {self.charter_id}"


class GuestMessageTemplate(models.Model):
    """A brand's wording for one kind of guest message, and whether it is sent at all.

    The rule it keeps: staff edit words, not data. Subject and body are Django templates rendered
    against the allow-listed context of ``guestpages.message_render`` only (autoescaped in the HTML
    part), so a template can name the guest or the meeting point but never money or notes.
    """

    brand = models.ForeignKey("bookings.Brand", on_delete=models.CASCADE, related_name="guest_message_templates")
    kind = models.CharField(max_length=16, choices=GuestMessageKind.choices)
    enabled = models.BooleanField(default=True, help_text="Untick to never send this kind for this brand.")
    subject = models.CharField(max_length=200, blank=True, help_text="Blank: the default subject.")
    body = models.TextField(blank=True, help_text="Blank: the default wording. Paragraphs separated by a blank line.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["brand", "kind"]
        constraints = [models.UniqueConstraint(fields=["brand", "kind"], name="guest_message_template_per_kind")]

    def __str__(self) -> str:
        return f"{self.brand} · {self.get_kind_display()}"


class SuppressionReason(models.TextChoices):
    BOUNCED = "bounced", "Bounced"
    COMPLAINED = "complained", "Complained"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class GuestSuppression(models.Model):
    """An address a brand must not write to: it bounced, complained or unsubscribed.

    The rule it keeps: per brand (a guest who stops one brand's mail still gets the other's), one
    row per address, stored lower-case. A bounce or complaint stops every kind; an unsubscribe
    stops only the non-essential ones (reminder, thank-you).
    """

    brand = models.ForeignKey("bookings.Brand", on_delete=models.CASCADE, related_name="guest_suppressions")
    email = models.EmailField()
    reason = models.CharField(max_length=16, choices=SuppressionReason.choices)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["brand", "email"], name="guest_suppression_per_brand")]

    def __str__(self) -> str:
        return f"{self.email} ({self.reason}) for {self.brand}"


class GuestDeliveryEvent(models.Model):
    """A delivery event the ESP reported (anymail tracking webhook), kept once per event id."""

    event_id = models.CharField(max_length=200, unique=True)
    event_type = models.CharField(max_length=32)
    recipient = models.EmailField(blank=True)
    message = models.ForeignKey(
        GuestMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="delivery_events"
    )
    detail = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event_type} for {self.recipient}"
