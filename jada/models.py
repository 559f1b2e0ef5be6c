"""Shared building blocks: the audit log and the sync state every mirror row carries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class SyncState(models.TextChoices):
    PENDING = "pending", "Pending"
    SYNCING = "syncing", "Syncing"
    SYNCED = "synced", "Synced"
    FAILED = "failed", "Failed"


class SyncedMirror(models.Model):
    """A local row that mirrors one remote target (a guest page, a calendar entry, a crew event).

    The rule it keeps: the remote side is only ever changed by a task that moves this row through
    ``pending → syncing → synced / failed``, counting attempts and keeping the last error, so staff
    can always see what is live and retry what is not. "Synced" alone is not "current": the row
    also records the fingerprint of the payload it last delivered and the fingerprint the charter
    wants now; the two differ (*out of date*) from the moment an edit is saved until its push
    lands (``bookings.targets``).
    """

    sync_state = models.CharField(max_length=16, choices=SyncState.choices, default=SyncState.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    remote_id = models.CharField(max_length=200, blank=True)
    delivered_fingerprint = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the payload the target last received."
    )
    wanted_fingerprint = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the payload the charter's current details make."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def out_of_date_index(name: str) -> models.Index:
    """A partial index of a mirror table's *out of date* rows (``bookings.targets.out_of_date_q``
    with no prefix, the same predicate, so PostgreSQL can use it): the few stale rows among
    100,000 are found without reading the table."""
    return models.Index(
        fields=["charter"],
        name=name,
        condition=Q(delivered_fingerprint__gt="")
        & ~Q(delivered_fingerprint=F("wanted_fingerprint"))
        & ~Q(sync_state=SyncState.FAILED),
    )


class AuditEntry(models.Model):
    """Who did what to which object, and when — written in the same transaction as the change."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, help_text="System actor when no user, e.g. 'beat'.")
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        who = self.actor.get_username() if self.actor else (self.actor_label or "system")
        return f"{who} {self.action} {self.object_type} {self.object_repr or self.object_id}"


class BeatHeartbeat(models.Model):
    """When each beat job last started: beat has no health check of its own, so readiness reads these.

    The rule it keeps: every periodic job writes its row as it starts (``jada.health.beat_heartbeat``),
    so a stopped beat shows up as rows older than twice their interval, whatever the jobs do.
    """

    task = models.CharField(max_length=200, unique=True, help_text="The task's dotted name.")
    last_beat_at = models.DateTimeField()
    last_result = models.JSONField(null=True, blank=True, help_text="What the job's last finished run reported.")

    def __str__(self) -> str:
        return f"{self.task} at {self.last_beat_at:%Y-%m-%d %H:%M:%S}"
