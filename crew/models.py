"""Crew members, their assignments to charters, and the charter's crew-event mirror."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jada.models import SyncedMirror, out_of_date_index


class CrewRole(models.TextChoices):
    CAPTAIN = "captain", "Captain"
    MATE = "mate", "Mate"
    DECKHAND = "deckhand", "Deckhand"
    STEWARD = "steward", "Steward"


class CrewMember(models.Model):
    """A person who sails for the company, signed in by magic link (no password, no admin).

    The rule it keeps: a crew member's user has an unusable password and is never staff, so a
    crew session cannot open the admin; deactivating the user stops sign-in.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crew_member")
    name = models.CharField(max_length=150)
    email = models.EmailField(unique=True)
    phone = models.CharField(max_length=40, blank=True)
    roles = models.JSONField(default=list, blank=True, help_text='Roles this person can sail in, e.g. ["captain"].')

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


class CrewAssignment(models.Model):
    """One crew member on one charter in one role; a person appears at most once per charter."""

    charter = models.ForeignKey("bookings.Charter", on_delete=models.CASCADE, related_name="crew_assignments")
    crew_member = models.ForeignKey(CrewMember, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=16, choices=CrewRole.choices, default=CrewRole.DECKHAND)

    class Meta:
        ordering = ["charter", "role"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "crew_member"], name="crew_assignment_once_per_charter")
        ]

    def __str__(self) -> str:
        return f"{self.crew_member} as {self.get_role_display()}"


class CrewEvent(SyncedMirror):
    """The charter's event in ShipCaptainCrew (remote id = SCC event id)."""

    charter = models.OneToOneField("bookings.Charter", on_delete=models.CASCADE, related_name="crew_event")

    class Meta:
        indexes = [out_of_date_index("crew_event_out_of_date")]

    def __str__(self) -> str:
        return f"Crew event for {self.charter.code}"


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", "Assigned (invited)"
    CHANGED = "changed", "Changed"
    REMOVED = "removed", "Removed"
    CANCELLED = "cancelled", "Cancelled"


class NotificationState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending (maybe sent)"
    SENT = "sent", "Sent"
    HELD = "held", "Held (not clean)"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded"


class CrewNotification(models.Model):
    """The outbox row of one e-mail: tell one crew member about one version of one crew event.

    The rules it keeps (docs/booking-flow.md "Crew notifications: the outbox"):

    * It is written in the same database transaction that records the event version, so a lost
      broker message or a killed worker delays the e-mail, never loses it; a beat job re-drives
      rows left ``pending``.
    * At most one row per (event, crew member, version, kind), enforced by the database.
    * ``sending`` is committed, with the ``message_id`` the e-mail will carry, before the mail
      server is given the message. A row found ``sending`` later *may* have been delivered, so
      nothing re-sends it automatically: at most once, and staff see it.
    """

    event_id = models.CharField(max_length=64, db_index=True)
    charter_ref = models.CharField(max_length=64, blank=True, db_index=True)
    crew_member = models.ForeignKey(CrewMember, on_delete=models.CASCADE, related_name="notifications")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=NotificationKind.choices, default=NotificationKind.ASSIGNED)
    state = models.CharField(
        max_length=16, choices=NotificationState.choices, default=NotificationState.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "crew_member", "version", "kind"], name="crew_notification_once_per_version"
            )
        ]
        indexes = [models.Index(fields=["state", "updated_at"], name="crew_notification_backlog")]

    def __str__(self) -> str:
        return f"{self.crew_member} about {self.event_id} v{self.version} ({self.kind}): {self.state}"


class ExposureChannel(models.TextChoices):
    PORTAL = "portal", "Portal view"
    EMAIL = "email", "E-mail"
    FEED = "feed", "Calendar feed"


class CrewExposure(models.Model):
    """Which crew member was shown or sent which version of which event, through which channel."""

    crew_member = models.ForeignKey(CrewMember, on_delete=models.CASCADE, related_name="exposures")
    event_id = models.CharField(max_length=64, db_index=True)
    version = models.PositiveIntegerField()
    channel = models.CharField(max_length=16, choices=ExposureChannel.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.crew_member} saw {self.event_id} v{self.version} via {self.channel}"


class CrewFeedToken(models.Model):
    """The secret in a crew member's calendar-feed URL; rotating replaces it and kills the old URL."""

    crew_member = models.OneToOneField(CrewMember, on_delete=models.CASCADE, related_name="feed_token")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Feed token for {self.crew_member}"
