"""No double bookings: the one rule for when two charters clash, and what staff do about it.

The rule (DESIGN.md "Intake", Conflicts): two charters that are not cancelled — an inquiry or a
marketplace booking not yet confirmed here holds the boat too — clash when they are on one
vessel and their times overlap once the vessel's turnaround is added to each end, or when one
crew member is assigned to both and their times overlap.

- Intake never refuses a marketplace booking: it imports it and calls ``conflicts_refresh``,
  which opens a ``CharterConflict`` naming both charters (and closes, as *cleared*, those that
  no longer overlap).
- ``charter_confirm_refusal`` is what the booking flow asks before confirming: a sentence
  naming the other charter, or ``None``. Two *confirmed* charters on one vessel are never
  allowed, override or not; a conflict with an inquiry, or a crew clash, may be overridden by
  staff with a reason (``conflict_override``, audited).
- On PostgreSQL an exclusion constraint (migration 0003) makes the vessel rule for confirmed
  charters hold whatever races happen; on SQLite only this module checks it, inside the
  confirming transaction.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from bookings.models import Charter, CharterConflict, CharterStatus, ConflictKind, ConflictResolution
from jada.audit import audit_record
from jada.errors import JadaError

LIVE = (CharterStatus.CONFIRMED, CharterStatus.COMPLETED)
EXCLUSION_VIOLATION = "23P01"  # PostgreSQL SQLSTATE of an exclusion-constraint violation


class ConflictError(JadaError):
    """A conflict step staff asked for that cannot be done (e.g. an override without a reason)."""


@dataclass(frozen=True)
class Clash:
    """One live overlap between ``charter`` and ``other`` (``crew_member`` set for a crew clash)."""

    charter: Charter
    other: Charter
    kind: str
    crew_member: Any = None

    def sentence(self) -> str:
        other = self.other
        zone = other.brand.zone
        start = timezone.localtime(other.starts_at, zone)
        end = timezone.localtime(other.ends_at, zone)
        when = f"{start:%a %d %b %Y %H:%M}–{end:%H:%M}"
        if self.kind == ConflictKind.CREW:
            return (
                f"Charter {self.charter.code} puts {self.crew_member} on two charters at once: "
                f"{other.code} ({other.vessel.name}, {when}, {other.status})."
            )
        return (
            f"Charter {self.charter.code} overlaps charter {other.code} on {other.vessel.name} "
            f"({when}, {other.status}, turnaround {_minutes(other.vessel.turnaround)})."
        )


def _minutes(value: timedelta) -> str:
    return f"{int(value.total_seconds() // 60)} min"


def vessel_overlaps(*, charter: Charter) -> QuerySet[Charter]:
    """Charters not cancelled on the same vessel whose hold (start → end + turnaround) overlaps this one's."""
    turnaround = charter.vessel.turnaround
    return (
        Charter.objects.select_related("brand", "vessel")
        .filter(vessel_id=charter.vessel_id)
        .exclude(pk=charter.pk)
        .exclude(status=CharterStatus.CANCELLED)
        .filter(starts_at__lt=charter.ends_at + turnaround, ends_at__gt=charter.starts_at - turnaround)
        .order_by("starts_at", "pk")
    )


def crew_overlaps(*, charter: Charter) -> list[tuple[Any, Charter]]:
    """(crew member, other charter) for each assigned person already on an overlapping charter."""
    from crew.models import CrewAssignment

    members = [a.crew_member for a in charter.crew_assignments.select_related("crew_member")]
    if not members:
        return []
    # One query for the whole crew (not one per member), then listed member by member.
    others = (
        CrewAssignment.objects.select_related("charter__brand", "charter__vessel")
        .filter(crew_member__in=members, charter__starts_at__lt=charter.ends_at, charter__ends_at__gt=charter.starts_at)
        .exclude(charter_id=charter.pk)
        .exclude(charter__status=CharterStatus.CANCELLED)
        .order_by("charter__starts_at", "pk")
    )
    by_member: dict[int, list[Charter]] = {}
    for assignment in others:
        by_member.setdefault(assignment.crew_member_id, []).append(assignment.charter)
    return [(member, other) for member in members for other in by_member.get(member.pk, [])]


def any_clash(*, charter: Charter) -> bool:
    """Whether ``clashes`` would find anything: one query, the confirm's usual answer.

    The same conditions as ``vessel_overlaps`` and ``crew_overlaps``, without loading the rows.
    """
    if charter.status == CharterStatus.CANCELLED:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT CASE WHEN {_clash_sql()} THEN 1 ELSE 0 END", _clash_params(charter))
        return bool(cursor.fetchone()[0])


def charter_status_set_unless_clash(*, charter: Charter) -> bool:
    """Write ``charter.status`` and ``updated_at`` unless the charter clashes: one UPDATE whose
    WHERE is ``any_clash``'s condition. True when written; False leaves the row as it was.

    For the confirm, which holds the charter's row lock: the check and the write are one statement
    (one round trip), run after the lock was taken, so they read every other charter as it is then.
    """
    pk, status, updated = _column(Charter, "id"), _column(Charter, "status"), _column(Charter, "updated_at")
    sql = (
        f"UPDATE {_table(Charter)} SET {status} = %s, {updated} = %s"  # noqa: S608 (our own names)
        f" WHERE {pk} = %s AND NOT ({_clash_sql()})"
    )
    updated_at = connection.ops.adapt_datetimefield_value(charter.updated_at)
    with connection.cursor() as cursor:
        cursor.execute(sql, [charter.status, updated_at, charter.pk, *_clash_params(charter)])
        return cursor.rowcount == 1


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _column(model: Any, name: str) -> str:
    return str(connection.ops.quote_name(model._meta.get_field(name).column))


@functools.cache
def _clash_sql() -> str:
    """The clash condition with its values as parameters (``_clash_params``): built once per process.

    Building it through the ORM (two ``Exists`` annotations) cost more CPU than the query itself.
    """
    from crew.models import CrewAssignment

    charter, assignment = _table(Charter), _table(CrewAssignment)
    pk, vessel, status = _column(Charter, "id"), _column(Charter, "vessel"), _column(Charter, "status")
    starts, ends = _column(Charter, "starts_at"), _column(Charter, "ends_at")
    on_charter, member = _column(CrewAssignment, "charter"), _column(CrewAssignment, "crew_member")
    return (
        f"EXISTS (SELECT 1 FROM {charter} o WHERE o.{vessel} = %s AND o.{pk} <> %s AND o.{status} <> %s"  # noqa: S608
        f" AND o.{starts} < %s AND o.{ends} > %s)"
        f" OR EXISTS (SELECT 1 FROM {assignment} a INNER JOIN {charter} o ON o.{pk} = a.{on_charter}"
        f" WHERE a.{member} IN (SELECT m.{member} FROM {assignment} m WHERE m.{on_charter} = %s)"
        f" AND a.{on_charter} <> %s AND o.{status} <> %s AND o.{starts} < %s AND o.{ends} > %s)"
    )


def _clash_params(charter: Charter) -> list[Any]:
    turnaround = charter.vessel.turnaround
    moment = connection.ops.adapt_datetimefield_value
    cancelled = str(CharterStatus.CANCELLED)
    vessel = [charter.vessel_id, charter.pk, cancelled, moment(charter.ends_at + turnaround)]
    vessel.append(moment(charter.starts_at - turnaround))
    crew = [charter.pk, charter.pk, cancelled, moment(charter.ends_at), moment(charter.starts_at)]
    return vessel + crew


def clashes(*, charter: Charter) -> list[Clash]:
    """Every live clash of a (not cancelled) charter, vessel first."""
    if charter.status == CharterStatus.CANCELLED:
        return []
    found = [Clash(charter, other, ConflictKind.VESSEL) for other in vessel_overlaps(charter=charter)]
    found += [Clash(charter, other, ConflictKind.CREW, member) for member, other in crew_overlaps(charter=charter)]
    return found


def _pair(charter: Charter) -> Q:
    return Q(charter=charter) | Q(other=charter)


def _same(row: CharterConflict, clash: Clash) -> bool:
    return (
        {row.charter_id, row.other_id} == {clash.charter.pk, clash.other.pk}
        and row.kind == clash.kind
        and row.crew_member_id == (clash.crew_member.pk if clash.crew_member else None)
    )


def _overridden(clash: Clash, rows: list[CharterConflict]) -> bool:
    return any(_same(r, clash) and r.resolution == ConflictResolution.OVERRIDDEN for r in rows)


def charter_confirm_refusal(*, charter: Charter) -> str | None:
    """Why this charter may not be confirmed now (a sentence naming the other charter), or None.

    Read-only, so the booking flow can ask inside its own transaction. Without a clash (the usual
    case) one query answers; with one, the rows are read to name the other charter.
    """
    if not any_clash(charter=charter):
        return None
    rows = list(CharterConflict.objects.filter(_pair(charter)))
    for clash in clashes(charter=charter):
        both_live = clash.kind == ConflictKind.VESSEL and clash.other.status in LIVE
        if both_live or not _overridden(clash, rows):
            hint = "cancel or move one of them" if both_live else "resolve the conflict (cancel, move or override)"
            return f"{clash.sentence()} {hint[0].upper()}{hint[1:]} before confirming {charter.code}."
    return None


def conflicts_refresh(*, charter: Charter, actor: str = "intake") -> list[CharterConflict]:
    """Open a conflict for each new clash of ``charter``; clear those that no longer hold. Returns the open ones.

    Idempotent: a clash already open (or overridden) is not opened again.
    """
    with transaction.atomic():
        rows = list(CharterConflict.objects.select_for_update().filter(_pair(charter)))
        current = clashes(charter=charter)
        opened = []
        for clash in current:
            if any(_same(r, clash) and (r.is_open or r.resolution == ConflictResolution.OVERRIDDEN) for r in rows):
                continue
            row = CharterConflict.objects.create(
                charter=clash.charter,
                other=clash.other,
                kind=clash.kind,
                crew_member=clash.crew_member,
                detail=clash.sentence()[:400],
            )
            audit_record(action="conflict.open", obj=row, actor_label=actor, data={"other": clash.other.code})
            opened.append(row)
        for row in rows:
            if row.is_open and not any(_same(row, c) for c in current):
                _close(row, ConflictResolution.CLEARED, actor_label=actor, reason="")
        return [r for r in rows if r.is_open] + opened


def conflict_override(*, conflict: CharterConflict, reason: str, actor: AbstractBaseUser | str) -> CharterConflict:
    """Staff accept the overlap on purpose; the reason is kept and audited."""
    if not reason.strip():
        raise ConflictError("Give a reason to override a conflict.")
    if not conflict.is_open:
        raise ConflictError(f"This conflict is already {conflict.get_resolution_display().lower()}.")
    with transaction.atomic():
        return _close(conflict, ConflictResolution.OVERRIDDEN, actor_label=_label(actor), reason=reason, actor=actor)


def _label(actor: AbstractBaseUser | str) -> str:
    return actor if isinstance(actor, str) else actor.get_username()


def _close(
    row: CharterConflict, resolution: str, *, actor_label: str, reason: str, actor: Any = None
) -> CharterConflict:
    row.resolved_at, row.resolution, row.resolved_by, row.reason = timezone.now(), resolution, actor_label, reason
    row.save(update_fields=["resolved_at", "resolution", "resolved_by", "reason"])
    user = actor if isinstance(actor, AbstractBaseUser) else None
    audit_record(action=f"conflict.{resolution}", obj=row, actor=user, actor_label=actor_label, data={"reason": reason})
    return row


def open_conflict_charter_ids() -> set[int]:
    """Ids of charters in an open conflict (for the changelist's red column and filter)."""
    pairs = CharterConflict.objects.filter(resolved_at__isnull=True).values_list("charter_id", "other_id")
    return {pk for pair in pairs for pk in pair}


def is_double_booking(exc: IntegrityError) -> bool:
    """True when PostgreSQL's exclusion constraint refused the write (the race the check could not see)."""
    cause: Any = exc.__cause__
    return getattr(cause, "sqlstate", None) == EXCLUSION_VIOLATION or "charter_no_double_booking" in str(exc)


def hold_until(charter: Charter) -> datetime:
    """When the vessel is free again after this charter."""
    return charter.ends_at + charter.vessel.turnaround
