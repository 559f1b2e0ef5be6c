"""Marketplace intake: sources, their listing names per vessel, iCal feeds, raw e-mails, feed events."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

from bookings.models import Brand, Charter, CharterSource, Vessel


def token_generate() -> str:
    return secrets.token_urlsafe(24)


class GuestMessageTarget(models.TextChoices):
    CREW_NOTES = "crew_notes", "Crew notes (scrubbed for crew)"
    GUEST_NOTES = "guest_notes", "Guest notes (shown on the guest page)"


class IntakeSource(models.Model):
    """A marketplace we sell on (Boatsetter, GetMyBoat, …) and how its bookings become charters.

    The rule it keeps: a source's bookings are identified by (``kind``, marketplace booking id) —
    ``kind`` is the charter's ``source`` — so the same booking arriving by e-mail and by feed is
    one charter. Only a source with ``auto_confirm`` confirms by itself, and never a mere request.
    """

    name = models.SlugField(max_length=40, unique=True, help_text="As in `intake_email --source NAME`.")
    kind = models.CharField(max_length=16, choices=CharterSource.choices, default=CharterSource.OTHER)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+", help_text="Its guests' brand.")
    auto_confirm = models.BooleanField(default=False, help_text="Confirm its confirmed bookings without staff.")
    default_meeting_point = models.CharField(max_length=300, blank=True)
    guest_message_to = models.CharField(
        max_length=16, choices=GuestMessageTarget.choices, default=GuestMessageTarget.CREW_NOTES
    )
    sender_domains = models.CharField(
        max_length=300, blank=True, help_text="E-mail domains its messages come from, comma-separated."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.get_kind_display() if self.kind != CharterSource.OTHER else self.name

    @property
    def domains(self) -> list[str]:
        return [d.strip().lower() for d in self.sender_domains.split(",") if d.strip()]


class VesselListing(models.Model):
    """A vessel's listing on one marketplace: its title there (and aliases), and our busy feed for it.

    The rule it keeps: messages name the boat by the marketplace's listing title, which staff may
    change; matching goes through these names, never through the vessel's own name alone. The
    busy-feed token is per (vessel, source), so each marketplace gets a feed without its own events.
    """

    vessel = models.ForeignKey(Vessel, on_delete=models.CASCADE, related_name="listings")
    source = models.ForeignKey(IntakeSource, on_delete=models.CASCADE, related_name="listings")
    name = models.CharField(max_length=200, help_text="The listing's title on the marketplace.")
    aliases = models.TextField(blank=True, help_text="Other names messages use for this boat, one per line.")
    busy_feed_token = models.CharField(max_length=64, unique=True, default=token_generate)

    class Meta:
        ordering = ["vessel", "source"]
        constraints = [models.UniqueConstraint(fields=["vessel", "source"], name="listing_once_per_vessel_source")]

    def __str__(self) -> str:
        return f"{self.vessel} on {self.source}: {self.name}"

    @property
    def names(self) -> list[str]:
        return [self.name, *[a.strip() for a in self.aliases.splitlines() if a.strip()]]


class IntakeFeed(models.Model):
    """One marketplace iCal export for one vessel, and its health.

    The rule it keeps: a fetch that fails, is not a calendar, or is empty changes nothing but the
    health columns; only a good fetch counts towards marking an absent event missing.
    """

    source = models.ForeignKey(IntakeSource, on_delete=models.PROTECT, related_name="feeds")
    vessel = models.ForeignKey(Vessel, on_delete=models.PROTECT, related_name="intake_feeds")
    url = models.URLField(max_length=1000, unique=True)
    enabled = models.BooleanField(default=True)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_fetch_at = models.DateTimeField(null=True, blank=True)
    last_good_at = models.DateTimeField(null=True, blank=True, help_text="Last fetch that gave a calendar.")
    last_error = models.TextField(blank=True)
    last_counts = models.JSONField(default=dict, blank=True)
    events_seen = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["source", "vessel"]

    def __str__(self) -> str:
        return f"{self.source} feed for {self.vessel}"

    @property
    def age(self) -> str:
        if not self.last_good_at:
            return "never fetched"
        minutes = int((timezone.now() - self.last_good_at).total_seconds() // 60)
        return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"


class FeedEvent(models.Model):
    """One event of one feed as last seen: identity (feed, UID), a fingerprint, and its charter.

    The rule it keeps: an event absent from a good fetch is counted, not deleted; at
    ``MISSING_AFTER`` good fetches in a row it is flagged *missing* and staff are told. Nothing
    here cancels a charter because an event went quiet.
    """

    MISSING_AFTER = 3

    feed = models.ForeignKey(IntakeFeed, on_delete=models.CASCADE, related_name="events")
    uid = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, db_index=True, help_text="start, end and summary, hashed.")
    booking_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    is_block = models.BooleanField(default=False, help_text="An owner block on the vessel, not a booking.")
    tentative = models.BooleanField(default=False)
    charter = models.ForeignKey(Charter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    missing_count = models.PositiveSmallIntegerField(default=0)
    missing_since = models.DateTimeField(null=True, blank=True, help_text="Flagged missing (staff told) at.")
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["feed", "starts_at"]
        constraints = [models.UniqueConstraint(fields=["feed", "uid"], name="feed_event_unique_uid")]

    def __str__(self) -> str:
        return f"{self.summary or self.uid} ({self.starts_at:%Y-%m-%d %H:%M})"


class MessageState(models.TextChoices):
    RECEIVED = "received", "Received (not processed yet)"
    PROCESSED = "processed", "Processed"
    REVIEW = "review", "Needs review"
    ACCEPTED = "accepted", "Accepted by staff"
    IGNORED = "ignored", "Ignored (not a booking)"


class IntakeMessage(models.Model):
    """One raw e-mail as a marketplace (or a forwarder) sent it, stored before anything parses it.

    The rule it keeps: the raw bytes are kept whole in the database (``sha256`` unique), so a
    parser bug loses nothing, the same message twice is recognised and changes nothing, and a
    message no parser understands waits here for a person with what was found beside it.
    """

    sha256 = models.CharField(max_length=64, unique=True)
    raw = models.BinaryField()
    via = models.CharField(max_length=16, default="command", help_text="command, api or ses.")
    message_id = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    sender = models.CharField(max_length=300, blank=True)
    source = models.ForeignKey(IntakeSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=16, blank=True, help_text="request, confirmation, change, cancellation.")
    fields = models.JSONField(default=dict, blank=True, help_text="What the parser found.")
    problem = models.CharField(max_length=300, blank=True, help_text="Why it needs a person.")
    state = models.CharField(max_length=16, choices=MessageState.choices, default=MessageState.RECEIVED)
    outcome = models.CharField(max_length=300, blank=True)
    charter = models.ForeignKey(Charter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject or '(no subject)'}"

    @property
    def raw_text(self) -> str:
        return bytes(self.raw).decode("utf-8", "replace")
