"""The booking flow: what staff (and intake) do to a charter, and how every target follows.

Read top to bottom, this module is the whole sequence (DESIGN.md "The booking flow"):

1. **Staff actions** — ``charter_confirm``, ``charter_cancel``, ``charter_reschedule``,
   ``target_retry`` and ``charter_edit``. Each runs in one durable transaction: it changes the
   charter, marks the targets whose content changed *pending* (``bookings.targets``), writes one
   audit entry and enqueues the pushes **on commit** — a rolled-back change enqueues nothing.
2. **Edits follow** — ``charter_follow`` (a charter's details or crew were saved),
   ``brand_follow`` (a brand's theme, window, site or key layout), ``vessel_follow`` and
   ``crew_member_follow`` (a name or e-mail that upcoming charters show). They run inside the
   caller's transaction (the admin's save) and re-push exactly the targets whose fingerprint
   changed; nothing else needs a button.
3. **Where the work happens** — ``bookings.targets`` claims, pushes and records each target
   (the only writer of sync state); ``bookings.payloads`` builds what each target receives.

Nothing here runs in a signal handler or a ``save()`` override.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from bookings import conflicts, tasks
from bookings.models import Brand, Charter, CharterStatus, Vessel
from bookings.payloads import BRAND_FIELDS_OFF_PAGE, LIVE_STATUSES, TARGET_KINDS
from bookings.targets import targets_mark_pending
from bookings.targets_bulk import guest_pages_mark_pending
from crew.models import CrewMember
from guestpages.messages import guest_messages_plan
from jada.audit import audit_record
from jada.errors import JadaError

Actor = AbstractBaseUser | AnonymousUser | str | None
# What staff may change with charter_edit: every detail a target shows, except status and times
# (those move only through confirm / cancel / reschedule, so every target and person follows).
EDITABLE_FIELDS = frozenset(
    {
        "guest_name",
        "guest_email",
        "guest_phone",
        "party_size",
        "meeting_point",
        "guest_notes",
        "crew_notes",
        "internal_notes",
        "vessel",
        "brand",
        "gross_revenue",
        "platform_fee",
        "payout",
        "captain_fee",
        "other_crew_pay",
    }
)


class FlowError(JadaError):
    """A flow step staff asked for that the charter's state does not allow."""


# ================================================================================================
# 1. Staff actions: one durable transaction each, one audit entry, pushes enqueued on commit.
# ================================================================================================


def charter_confirm(*, charter: Charter, actor: Actor, page_in_bulk: bool = False) -> Charter:
    """Confirm the charter and (re)publish it everywhere; confirming again re-runs every target.

    ``page_in_bulk`` (``charters_confirm``): the guest page is marked pending but not pushed on
    its own; the caller publishes the brand's pending pages in bulk.
    """
    with transaction.atomic(durable=True):
        charter = _charter_lock(charter)
        if charter.status == CharterStatus.COMPLETED:
            raise FlowError(f"Charter {charter.code} is completed; there is nothing left to confirm.")
        previous = charter.status
        charter.status, charter.updated_at = CharterStatus.CONFIRMED, timezone.now()
        try:
            # No double bookings (bookings/conflicts.py): the check and the write are one UPDATE that
            # writes nothing when the charter, as confirmed, clashes; then the rows are read to refuse
            # with a sentence naming the other charter (or, every clash overridden, it is written).
            if not conflicts.charter_status_set_unless_clash(charter=charter):
                refusal = conflicts.charter_confirm_refusal(charter=charter)
                if refusal:
                    raise FlowError(refusal)
                charter.save(update_fields=["status", "updated_at"])
        except IntegrityError as exc:  # PostgreSQL's exclusion constraint: the race the check cannot see
            if not conflicts.is_double_booking(exc):
                raise
            # No savepoint to roll back to: the error ends the whole transaction, as the refusal does.
            raise FlowError(f"Charter {charter.code} overlaps another confirmed charter on {charter.vessel}.") from exc
        marked = targets_mark_pending(charter=charter, force=True)
        tasks.targets_enqueue(m for m in marked if not (page_in_bulk and m.kind == "guest_page"))
        guest_messages_plan(charter=charter, reason="confirmed")
        _audit("charter.confirm", charter, actor, {"previous_status": previous})
    return charter


def charter_cancel(*, charter: Charter, actor: Actor) -> Charter:
    """Cancel the charter: withdraw the page, remove the calendar entry, cancel the crew event (crew are told)."""
    with transaction.atomic(durable=True):
        charter = _charter_lock(charter)
        if charter.status == CharterStatus.COMPLETED:
            raise FlowError(f"Charter {charter.code} is completed and cannot be cancelled.")
        previous = charter.status
        charter.status = CharterStatus.CANCELLED
        charter.save(update_fields=["status", "updated_at"])
        tasks.targets_enqueue(targets_mark_pending(charter=charter, force=True))
        guest_messages_plan(charter=charter, reason="cancelled")
        _audit("charter.cancel", charter, actor, {"previous_status": previous})
    return charter


def charter_reschedule(*, charter: Charter, starts_at: datetime, ends_at: datetime, actor: Actor) -> Charter:
    """Move the charter; a confirmed one moves everywhere (page and photo window, calendar, crew told)."""
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise FlowError("Give the new times with a time zone.")
    if ends_at <= starts_at:
        raise FlowError("A charter must end after it starts.")
    with transaction.atomic(durable=True):
        charter = _charter_lock(charter)
        if charter.status in (CharterStatus.CANCELLED, CharterStatus.COMPLETED):
            raise FlowError(f"Charter {charter.code} is {charter.status}; confirm it again before moving it.")
        before = {"starts_at": charter.starts_at.isoformat(), "ends_at": charter.ends_at.isoformat()}
        charter.starts_at, charter.ends_at = starts_at, ends_at
        charter.save(update_fields=["starts_at", "ends_at", "updated_at"])
        after = {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()}
        if charter.status == CharterStatus.CONFIRMED:
            tasks.targets_enqueue(targets_mark_pending(charter=charter))
            guest_messages_plan(charter=charter, reason="rescheduled")
        _audit("charter.reschedule", charter, actor, {"before": before, "after": after})
    return charter


def target_retry(*, charter: Charter, kind: str, actor: Actor) -> Charter:
    """Staff's "retry" button: run one target again, whatever state it is in."""
    if kind not in TARGET_KINDS:
        raise FlowError(f"Unknown target {kind!r}.")
    with transaction.atomic(durable=True):
        charter = _charter_lock(charter)
        tasks.targets_enqueue(targets_mark_pending(charter=charter, kinds=[kind], force=True))
        _audit("charter.target_retry", charter, actor, {"target": kind})
    return charter


def charter_edit(*, charter: Charter, changes: dict[str, Any], actor: Actor) -> Charter:
    """Change a charter's details (not its status or times) and re-push what that changes.

    For callers outside the admin (intake, scripts). Unknown or protected fields are refused by
    name, before anything is written.
    """
    refused = sorted(set(changes) - EDITABLE_FIELDS)
    if refused:
        raise FlowError(f"These fields cannot be changed this way: {', '.join(refused)}.")
    with transaction.atomic(durable=True):
        charter = _charter_lock(charter)
        changed = [name for name, value in changes.items() if getattr(charter, name) != value]
        for name in changed:
            setattr(charter, name, changes[name])
        if changed:
            charter.full_clean(exclude=["code"])
            charter.save(update_fields=[*changed, "updated_at"])
            charter_follow(charter=charter, actor=actor, changed=changed)
    return charter


# A bulk confirm publishes its charters' guest pages in batches of this many (one S3 write per page,
# one CloudFront invalidation per batch) instead of one task and one invalidation per page. Small,
# because one task writes its batch's pages one after another; when the worker lags behind the
# confirmations, the first bulk task to run takes every page pending by then (batches grow).
BULK_PAGES_EVERY = 10


def charters_confirm(*, charters: models.QuerySet[Charter] | list[Charter], actor: Actor) -> list[tuple[Charter, str]]:
    """Confirm many charters, each in its own transaction; returns (charter, "" or the error) per charter.

    Their guest pages are published in bulk (``bookings.targets_bulk.guest_pages_push_bulk``): after
    every ``BULK_PAGES_EVERY`` confirmations and at the end, each brand's pending pages go out
    with one invalidation per batch. A lost bulk task leaves the pages pending for the re-drive.
    """
    results = []
    brands: set[int] = set()
    for done, charter in enumerate(charters, start=1):
        try:
            confirmed = charter_confirm(charter=charter, actor=actor, page_in_bulk=True)
            brands.add(confirmed.brand_id)
            results.append((confirmed, ""))
        except JadaError as exc:
            results.append((charter, exc.message))
        if done % BULK_PAGES_EVERY == 0:
            _brand_pages_push(brands)
    _brand_pages_push(brands)
    return results


def _brand_pages_push(brands: set[int]) -> None:
    task: Any = tasks.push_brand_pages  # celery-types does not know delay_on_commit
    for brand_id in sorted(brands):
        task.delay_on_commit(brand_id)
    brands.clear()


def _charter_lock(charter: Charter) -> Charter:
    return Charter.objects.select_for_update().select_related("brand", "vessel").get(pk=charter.pk)


def _audit(action: str, obj: models.Model, actor: Actor, data: dict[str, Any]) -> None:
    if isinstance(actor, AbstractBaseUser):
        audit_record(action=action, obj=obj, actor=actor, data=data)
    else:
        audit_record(action=action, obj=obj, actor_label=str(actor or "system"), data=data)


# ================================================================================================
# 2. Edits follow: inside the caller's transaction, re-push exactly what changed.
# ================================================================================================


def charter_follow(*, charter: Charter, actor: Actor, changed: list[str] | None = None) -> list[str]:
    """After a charter's details or crew were saved: re-push each target whose content changed.

    An inquiry has nothing live to follow. Returns the kinds re-pushed (empty: nothing changed).
    """
    if charter.status == CharterStatus.INQUIRY:
        return []
    charter = Charter.objects.select_related("brand", "vessel").get(pk=charter.pk)
    kinds = tasks.targets_enqueue(targets_mark_pending(charter=charter))
    if "guest_page" in kinds and charter.status == CharterStatus.CONFIRMED:
        guest_messages_plan(charter=charter, reason="changed")
    if kinds or changed:
        _audit("charter.edit", charter, actor, {"changed": sorted(changed or []), "targets": kinds})
    return kinds


def brand_follow(*, brand: Brand, actor: Actor, changed: list[str]) -> dict[str, int]:
    """After a brand's row changed: its live pages are re-published in bulk (one invalidation per
    batch), and its charters' calendar entries and crew events follow where they changed — looked
    at only when a field they read changed (a theme edit of 5,000 pages stays one bulk task)."""
    charters = Charter.objects.filter(brand=brand, status__in=LIVE_STATUSES)
    pages = guest_pages_mark_pending(charters=charters)
    if pages:
        transaction.on_commit(lambda: tasks.push_brand_pages.delay(brand.pk))
    others = 0
    if BRAND_FIELDS_OFF_PAGE.intersection(changed):
        for charter in charters.select_related("brand", "vessel"):
            others += len(
                tasks.targets_enqueue(targets_mark_pending(charter=charter, kinds=["calendar_entry", "crew_event"]))
            )
    _audit("brand.edit", brand, actor, {"changed": sorted(changed), "pages": len(pages), "other_targets": others})
    return {"pages": len(pages), "other_targets": others}


def vessel_follow(*, vessel: Vessel, actor: Actor) -> int:
    """After a vessel was renamed: its upcoming live charters follow everywhere."""
    count = 0
    upcoming = Charter.objects.filter(vessel=vessel, status__in=LIVE_STATUSES, ends_at__gte=timezone.now())
    for charter in upcoming.select_related("brand", "vessel"):
        count += len(tasks.targets_enqueue(targets_mark_pending(charter=charter)))
    _audit("vessel.edit", vessel, actor, {"targets": count})
    return count


def crew_member_follow(*, member: CrewMember, actor: Actor) -> int:
    """After a crew member's name or e-mail changed: the crew events of their upcoming charters follow."""
    count = 0
    upcoming = Charter.objects.filter(
        crew_assignments__crew_member=member, status__in=LIVE_STATUSES, ends_at__gte=timezone.now()
    )
    for charter in upcoming.select_related("brand", "vessel").distinct():
        count += len(tasks.targets_enqueue(targets_mark_pending(charter=charter, kinds=["crew_event"])))
    _audit("crew_member.edit", member, actor, {"targets": count})
    return count
