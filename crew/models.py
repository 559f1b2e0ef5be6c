"""Crew members, their assignments to charters, and the charter's crew-event mirror."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jada.models import SyncedMirror


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

    def __str__(self) -> str:
        return f"Crew event for {self.charter.code}"
