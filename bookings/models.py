"""Brands, vessels, charters and the charter's calendar-entry mirror."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from bookings.fields import CharterCodeField, charter_code_generate
from jada.models import SyncedMirror, out_of_date_index

bucket_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", "An S3 bucket name is 3–63 lower-case letters, digits, dots and hyphens."
)
domain_validator = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    "A domain is a host name such as queenofsandiego.com, without https:// or a path.",
)
color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour is written #RRGGBB.")


def key_template_validate(value: str) -> None:
    if value.count("{code}") != 1:
        raise ValidationError("The key template must contain {code} exactly once, e.g. jada-guest-{code}.html.")
    if not value.endswith(".html") or value.startswith("/") or "//" in value or ".." in value:
        raise ValidationError("The key template must be a relative key ending in .html, e.g. jada-guest-{code}.html.")
    stripped = value.replace("{code}", "")
    if not all(c.isascii() and (c.isalnum() or c in "-_./") for c in stripped):
        raise ValidationError("The key template may only use letters, digits, '-', '_', '.', '/' around {code}.")


def time_zone_validate(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name; use one such as America/Los_Angeles.")


class Brand(models.Model):
    """A brand the company sells under, with its own public site, bucket and CDN.

    The rule it keeps: a brand's guest pages and photos live only in its own bucket behind its own
    distribution. No two brands share a bucket, a distribution or a domain (database constraints,
    and ``manage.py check`` re-checks rows that reached the database some other way).
    """

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    domain = models.CharField(max_length=253, validators=[domain_validator], help_text="e.g. queenofsandiego.com")
    bucket = models.CharField(max_length=63, validators=[bucket_validator])
    region = models.CharField(max_length=32, default="us-west-2")
    distribution_id = models.CharField(max_length=32, blank=True, help_text="CloudFront distribution id.")
    guest_page_key_template = models.CharField(
        max_length=120, default="jada-guest-{code}.html", validators=[key_template_validate]
    )
    time_zone = models.CharField(max_length=64, default="America/Los_Angeles", validators=[time_zone_validate])
    photo_window_opens_before = models.DurationField(
        default=timedelta(hours=2), help_text="How long before departure guests may start uploading photos."
    )
    photo_window_closes_after = models.DurationField(
        default=timedelta(days=7), help_text="How long after return guests may still upload photos."
    )
    theme_logo_url = models.URLField(blank=True)
    theme_primary_color = models.CharField(max_length=7, default="#0b3d5c", validators=[color_validator])
    theme_accent_color = models.CharField(max_length=7, default="#e0a526", validators=[color_validator])
    contact_line = models.CharField(max_length=200, blank=True, help_text="Shown on guest pages.")
    # Guest messages (guestpages/messages.py; docs/guest-pages.md "Guest messages").
    mail_from = models.EmailField(
        blank=True, help_text="From address of guest e-mail, on the brand's own domain (default hello@<domain>)."
    )
    mail_reply_to = models.EmailField(
        blank=True, help_text="Reply-To of guest e-mail, on the brand's own domain (default: the From address)."
    )
    mail_configuration_set = models.CharField(
        max_length=64, blank=True, help_text="SES configuration set that publishes this brand's delivery events."
    )
    mail_quiet_start = models.TimeField(
        null=True, blank=True, help_text="Local time from which no guest e-mail goes out, e.g. 21:00."
    )
    mail_quiet_end = models.TimeField(
        null=True, blank=True, help_text="Local time from which guest e-mail may go out again, e.g. 08:00."
    )
    mail_reminder_hour = models.PositiveSmallIntegerField(
        default=9,
        validators=[MaxValueValidator(23)],
        help_text="Local hour (0–23), the day before departure, at which the reminder goes out.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("bucket"), name="brand_unique_bucket"),
            models.UniqueConstraint(Lower("domain"), name="brand_unique_domain"),
            models.UniqueConstraint(
                "distribution_id", condition=~Q(distribution_id=""), name="brand_unique_distribution"
            ),
            models.CheckConstraint(condition=~Q(bucket=""), name="brand_bucket_required"),
            models.CheckConstraint(
                condition=Q(guest_page_key_template__contains="{code}"), name="brand_key_template_has_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Vessel(models.Model):
    """A boat the company sails; capacity bounds a charter's party size.

    ``turnaround`` is the time the boat needs between two charters (cleaning, fuel, crew change):
    a charter holds the vessel from its start until its end plus the turnaround, so two bookings
    closer than that are a conflict. ``slug`` names the vessel in its public busy-feed URLs.
    """

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, default="", help_text="Used in the vessel's busy-feed URLs, e.g. jada.")
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    home_marina = models.CharField(max_length=200, blank=True)
    turnaround = models.DurationField(
        default=timedelta(minutes=30), help_text="Time the boat needs between two charters, e.g. 00:30:00."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="vessel_capacity_positive"),
            models.UniqueConstraint(fields=["slug"], condition=~Q(slug=""), name="vessel_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class CharterSource(models.TextChoices):
    BOATSETTER = "boatsetter", "Boatsetter"
    GETMYBOAT = "getmyboat", "GetMyBoat"
    DIRECT = "direct", "Direct"
    OTHER = "other", "Other"


class CharterStatus(models.TextChoices):
    INQUIRY = "inquiry", "Inquiry"
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"


class Charter(models.Model):
    """One booked trip: who, when, on which vessel, under which brand, and what it earned.

    The rule it keeps: the financial fields and internal notes never leave the office. Everything
    crew or guests see is built from an allow-list of operational fields elsewhere (guest page
    template, crew-facing record), so a new column here is private by default.
    """

    code = CharterCodeField(unique=True, default=charter_code_generate)
    source = models.CharField(max_length=16, choices=CharterSource.choices, default=CharterSource.DIRECT)
    marketplace_booking_id = models.CharField(max_length=64, blank=True)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="charters")
    vessel = models.ForeignKey(Vessel, on_delete=models.PROTECT, related_name="charters")
    guest_name = models.CharField(max_length=200)
    guest_email = models.EmailField(blank=True)
    guest_phone = models.CharField(max_length=40, blank=True)
    party_size = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    meeting_point = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=16, choices=CharterStatus.choices, default=CharterStatus.INQUIRY, db_index=True
    )
    # Financial: office only.
    gross_revenue = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    platform_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    captain_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    other_crew_pay = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    payout = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What the marketplace pays us, after its fees.",
    )
    internal_notes = models.TextField(blank=True, help_text="Office only. Never shown to crew or guests.")
    crew_notes = models.TextField(blank=True, help_text="Shown to crew after money amounts are scrubbed.")
    guest_notes = models.TextField(blank=True, help_text="Shown on the guest page.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="charter_ends_after_start"),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="charter_party_size_positive"),
            models.UniqueConstraint(
                fields=["source", "marketplace_booking_id"],
                condition=~Q(marketplace_booking_id=""),
                name="charter_unique_marketplace_booking",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.guest_name}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A charter must end after it starts."})
        vessel = getattr(self, "vessel", None) if self.vessel_id else None
        if vessel and self.party_size and self.party_size > vessel.capacity:
            raise ValidationError({"party_size": f"{vessel} carries at most {vessel.capacity} guests."})

    @property
    def local_zone(self) -> ZoneInfo:
        return self.brand.zone


class CalendarEntry(SyncedMirror):
    """The charter's entry in the internal company calendar (remote side: the calendar API)."""

    charter = models.OneToOneField(Charter, on_delete=models.CASCADE, related_name="calendar_entry")

    class Meta:
        verbose_name_plural = "calendar entries"
        indexes = [out_of_date_index("calendar_entry_out_of_date")]

    def __str__(self) -> str:
        return f"Calendar entry for {self.charter.code}"


class InternalCalendarEvent(models.Model):
    """An entry in the JADA Internal Calendar: the store behind ``/api/calendar``.

    The rule it keeps: one entry per charter (``charter_id`` is the charter code, unique), so
    every caller's POST is an upsert and a repeated call changes nothing. It is keyed by the code,
    not a foreign key, because the API is also called by systems that do not share our database;
    the drift report finds entries whose charter is gone or cancelled.
    """

    charter_id = models.CharField(max_length=32, unique=True, help_text="The charter code, e.g. XHQGMDH.")
    date = models.DateField(db_index=True, help_text="Local date of departure.")
    title = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    vessel = models.CharField(max_length=100, blank=True)
    brand = models.CharField(max_length=40, blank=True, help_text="Brand slug.")
    status = models.CharField(max_length=16, blank=True)
    meeting_point = models.CharField(max_length=300, blank=True)
    guest_count = models.PositiveSmallIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True, help_text="Key of the last write applied.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "starts_at", "charter_id"]
        verbose_name = "internal calendar event"

    def __str__(self) -> str:
        return f"{self.date} {self.charter_id} {self.title}".strip()


class DriftReport(models.Model):
    """One run of the drift report: where a target disagrees with the database.

    The rule it keeps: drift is recorded, never silently repaired, so staff see what went wrong
    (a cancelled charter still live somewhere, an event nobody booked) and decide.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    findings = models.JSONField(default=list, blank=True, help_text="List of {kind, charter, target, detail}.")
    finding_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Drift report {self.created_at:%Y-%m-%d %H:%M} ({self.finding_count} findings)"


class ConflictKind(models.TextChoices):
    VESSEL = "vessel", "Same vessel"
    CREW = "crew", "Same crew member"


class ConflictResolution(models.TextChoices):
    CLEARED = "cleared", "Cleared (no longer overlapping)"
    OVERRIDDEN = "overridden", "Overridden by staff"


class CharterConflict(models.Model):
    """Two charters that cannot both happen: one vessel (with turnaround) or one crew member, twice at once.

    The rule it keeps: a marketplace booking is never refused after the fact (the marketplace has
    already sold it), so the clash is recorded here, loudly, and blocks confirming either charter
    until staff cancel one, move one, or override it with a reason (audited). A conflict whose
    charters no longer overlap is closed as *cleared* the next time it is checked.
    """

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="conflicts")
    other = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="conflicts_as_other")
    kind = models.CharField(max_length=16, choices=ConflictKind.choices)
    crew_member = models.ForeignKey(
        "crew.CrewMember", on_delete=models.CASCADE, null=True, blank=True, related_name="conflicts"
    )
    detail = models.CharField(max_length=400)
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=16, choices=ConflictResolution.choices, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)
    reason = models.TextField(blank=True, help_text="Why staff accept the overlap (required to override).")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(charter=F("other")), name="conflict_two_charters")]

    def __str__(self) -> str:
        return self.detail

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
