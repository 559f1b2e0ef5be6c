"""A marketplace booking becomes a charter, through the booking flow — the one place intake writes charters.

The rules it keeps (DESIGN.md "Intake"):
- identity is (source, marketplace booking id): the same booking seen twice changes nothing, a
  later one updates the charter (times through ``flow.charter_reschedule``, other fields through
  ``flow.charter_edit``, so a confirmed charter re-pushes every target) and a cancellation
  cancels it through ``flow.charter_cancel``;
- money goes to the financial fields, never into notes; the guest's message goes to the notes
  the source names (crew notes are scrubbed again on the crew side);
- a marketplace booking is never refused: it is imported and any clash becomes a conflict
  (``bookings.conflicts``); only a source with ``auto_confirm`` confirms, and only a
  *confirmation*, and only when nothing clashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from bookings import conflicts, flow
from bookings.models import Charter, CharterConflict, CharterStatus, Vessel
from crew.models import CrewAssignment, CrewMember, CrewRole
from intake.models import IntakeSource
from jada.audit import audit_record
from jada.errors import JadaError

ACTOR = "intake"
MONEY_FIELDS = {"total": "gross_revenue", "fee": "platform_fee", "payout": "payout"}
GUEST_FIELDS = ("guest_name", "guest_email", "guest_phone", "party_size", "meeting_point")


class NeedsReview(JadaError):
    """The booking cannot be applied without a person (missing field, unknown booking, refused step)."""


@dataclass(frozen=True)
class Applied:
    """What happened, in the words of the ``intake_email`` contract."""

    verb: str  # created, updated, cancelled, unchanged, conflict
    charter: Charter
    others: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.verb == "conflict":
            return f"conflict {self.charter.code} with {', '.join(self.others)}"
        return f"{self.verb} {self.charter.code}"


def charter_find(*, source: IntakeSource, booking_id: str) -> Charter | None:
    return (
        Charter.objects.select_related("brand", "vessel")
        .filter(source=source.kind, marketplace_booking_id=booking_id)
        .first()
    )


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _changes(charter: Charter, source: IntakeSource, fields: dict[str, Any]) -> dict[str, Any]:
    """Only what the message gives and differs; a field it leaves out is left alone."""
    wanted: dict[str, Any] = {}
    for name in GUEST_FIELDS:
        if fields.get(name) not in (None, ""):
            wanted[name] = fields[name]
    for given, column in MONEY_FIELDS.items():
        if fields.get(given) not in (None, ""):
            wanted[column] = Decimal(str(fields[given]))
    note = (fields.get("guest_message") or "").strip()
    if note:
        current = getattr(charter, source.guest_message_to)
        if note not in current:
            wanted[source.guest_message_to] = f"{current}\n\n{note}".strip() if current else note
    return {k: v for k, v in wanted.items() if getattr(charter, k) != v}


def _captain_assign(charter: Charter, fields: dict[str, Any]) -> None:
    """The captain the marketplace names, when they are one of our crew (otherwise staff assign)."""
    name = (fields.get("captain") or "").strip()
    member = CrewMember.objects.filter(name__iexact=name).first() if name else None
    if member and not charter.crew_assignments.filter(crew_member=member).exists():
        CrewAssignment.objects.create(charter=charter, crew_member=member, role=CrewRole.CAPTAIN)


def charter_create(*, source: IntakeSource, vessel: Vessel, fields: dict[str, Any], actor: str = ACTOR) -> Charter:
    """A new charter (inquiry) from a marketplace booking, with its conflicts opened in the same transaction."""
    starts, ends = _dt(fields.get("starts_at")), _dt(fields.get("ends_at"))
    if starts is None or ends is None or ends <= starts:
        raise NeedsReview("The booking has no valid start and end time.")
    booking_id = str(fields["booking_id"])
    charter = Charter(
        source=source.kind,
        marketplace_booking_id=booking_id,
        brand=source.brand,
        vessel=vessel,
        guest_name=str(fields.get("guest_name") or f"{source} booking {booking_id}")[:200],
        guest_email=fields.get("guest_email", ""),
        guest_phone=fields.get("guest_phone", ""),
        party_size=max(1, int(fields.get("party_size") or 1)),
        starts_at=starts,
        ends_at=ends,
        meeting_point=fields.get("meeting_point") or source.default_meeting_point or vessel.home_marina,
        status=CharterStatus.INQUIRY,
    )
    for given, column in MONEY_FIELDS.items():
        if fields.get(given):
            setattr(charter, column, Decimal(str(fields[given])))
    if fields.get("guest_message"):
        setattr(charter, source.guest_message_to, fields["guest_message"])
    with transaction.atomic():
        charter.save()
        _captain_assign(charter, fields)
        audit_record(action="intake.charter_create", obj=charter, actor_label=actor, data={"source": source.name})
        conflicts.conflicts_refresh(charter=charter, actor=actor)
    return charter


def _open_others(charter: Charter) -> tuple[str, ...]:
    rows = CharterConflict.objects.filter(resolved_at__isnull=True).select_related("charter", "other")
    rows = rows.filter(charter=charter) | rows.filter(other=charter)
    return tuple(sorted({(r.other if r.charter_id == charter.pk else r.charter).code for r in rows}))


def _confirm_if_allowed(charter: Charter, source: IntakeSource, kind: str, actor: str) -> bool:
    if not (source.auto_confirm and kind == "confirmation" and charter.status == CharterStatus.INQUIRY):
        return False
    if _open_others(charter):
        return False
    try:
        flow.charter_confirm(charter=charter, actor=actor)
    except flow.FlowError:
        conflicts.conflicts_refresh(charter=charter, actor=actor)
        return False
    return True


def booking_apply(
    *, source: IntakeSource, kind: str, fields: dict[str, Any], vessel: Vessel | None, actor: str = ACTOR
) -> Applied:
    """Apply one marketplace message (request, confirmation, change or cancellation) to its charter."""
    booking_id = fields.get("booking_id")
    if not booking_id:
        raise NeedsReview("No marketplace booking number was found.")
    charter = charter_find(source=source, booking_id=str(booking_id))
    try:
        if kind == "cancellation":
            return _cancel(charter, source, fields, booking_id, actor)
        if charter is None:
            if vessel is None:
                raise NeedsReview(f"No vessel has the listing name {fields.get('listing', '')!r} on {source}.")
            charter = charter_create(source=source, vessel=vessel, fields=fields, actor=actor)
            verb = "created"
        else:
            verb = _update(charter, source, fields, actor)
        confirmed = _confirm_if_allowed(charter, source, kind, actor)
    except flow.FlowError as exc:
        raise NeedsReview(exc.message) from exc
    charter.refresh_from_db()
    others = _open_others(charter)
    if others and verb != "unchanged":
        return Applied("conflict", charter, others)
    return Applied("updated" if confirmed and verb == "unchanged" else verb, charter)


def _update(charter: Charter, source: IntakeSource, fields: dict[str, Any], actor: str) -> str:
    if charter.status == CharterStatus.CANCELLED:
        raise NeedsReview(f"Charter {charter.code} is cancelled; a person should decide whether to reopen it.")
    verb = "unchanged"
    starts, ends = _dt(fields.get("starts_at")), _dt(fields.get("ends_at"))
    if starts and ends and (starts, ends) != (charter.starts_at, charter.ends_at):
        charter_move(charter=charter, starts_at=starts, ends_at=ends, actor=actor)
        verb = "updated"
    charter.refresh_from_db()
    changes = _changes(charter, source, fields)
    if changes:
        flow.charter_edit(charter=charter, changes=changes, actor=actor)
        verb = "updated"
    if fields.get("captain") and not charter.crew_assignments.exists():
        with transaction.atomic():
            _captain_assign(charter, fields)
    if verb == "updated":
        conflicts.conflicts_refresh(charter=charter, actor=actor)
    return verb


def charter_move(*, charter: Charter, starts_at: datetime, ends_at: datetime, actor: str) -> None:
    """The marketplace moved the booking: reschedule through the flow; a double booking goes to a person."""
    try:
        flow.charter_reschedule(charter=charter, starts_at=starts_at, ends_at=ends_at, actor=actor)
    except IntegrityError as exc:  # PostgreSQL refused: it would overlap another confirmed charter
        if not conflicts.is_double_booking(exc):
            raise
        raise NeedsReview(
            f"Moving confirmed charter {charter.code} to {starts_at:%Y-%m-%d %H:%M} would double-book "
            f"{charter.vessel}; staff must decide."
        ) from exc


def _cancel(
    charter: Charter | None, source: IntakeSource, fields: dict[str, Any], booking_id: str, actor: str
) -> Applied:
    if charter is None:
        raise NeedsReview(f"No charter has {source} booking {booking_id}, so there is nothing to cancel.")
    payout = fields.get("payout")
    if payout and charter.payout != Decimal(str(payout)):
        flow.charter_edit(charter=charter, changes={"payout": Decimal(str(payout))}, actor=actor)
    if charter.status == CharterStatus.CANCELLED:
        return Applied("unchanged", charter)
    flow.charter_cancel(charter=charter, actor=actor)
    charter.refresh_from_db()
    conflicts.conflicts_refresh(charter=charter, actor=actor)  # clears the conflicts it was part of
    return Applied("cancelled", charter)
