"""What each target receives, and the fingerprint that says whether it holds the current version.

The rules this module keeps:

- **Allow-lists.** Each payload copies named operational fields of the charter; money and
  internal notes never appear, so a new financial column is private by default. The crew
  payload's free text is scrubbed here, before it leaves the office: the crew service scrubs
  again on its side, but a legacy service may log what it receives.
- **One builder per target, one fingerprint.** ``target_payload(kind, charter)`` is what the
  push sends and ``target_fingerprint(kind, charter)`` is the SHA-256 of exactly that payload,
  so "synced" can mean *holds the current content*: a target row is current only when the
  fingerprint it last delivered equals the charter's fingerprint now (``bookings.targets``).
- **A withdrawn target has a payload too.** A cancelled charter's page, calendar entry and crew
  event have their own (small) payloads, so cancelling changes every fingerprint and the
  withdrawal is tracked like any other push.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from bookings.models import Charter, CharterStatus
from crew.crew_facing import CREW_FACING_FIELDS
from crew.scrub import scrub_text
from guestpages.render import guest_page_content

LIVE_STATUSES = (CharterStatus.CONFIRMED, CharterStatus.COMPLETED)
TARGET_KINDS = ("guest_page", "calendar_entry", "crew_event")
TARGET_LABELS = {"guest_page": "Guest page", "calendar_entry": "Calendar entry", "crew_event": "Crew event"}

CALENDAR_ENTRY_FIELDS = (
    "charter_id",
    "date",
    "title",
    "starts_at",
    "ends_at",
    "vessel",
    "brand",
    "status",
    "meeting_point",
    "guest_count",
)
# What the SCC API accepts: the crew-facing allow-list less what the SCC side owns.
CREW_EVENT_FIELDS = tuple(f for f in CREW_FACING_FIELDS if f not in ("id", "updated_at", "version"))
# The brand fields the calendar entry and the crew event read (``calendar_entry_payload``,
# ``crew_event_payload``); everything else about a brand (theme, site, layout, photo window) shows
# only on its guest pages, so an edit of those re-publishes pages and leaves the other targets be.
# A test changes every other field and checks both fingerprints stay put.
BRAND_FIELDS_OFF_PAGE = frozenset({"slug", "time_zone"})
# Every charter field the three payloads read (with its brand, vessel and crew): a caller building
# many payloads loads only these (``.only()``). A test builds each payload from such a charter and
# fails on any query, so a payload that starts reading another field must list it here.
PAYLOAD_CHARTER_FIELDS = (
    "code",
    "brand",
    "vessel",
    "guest_name",
    "party_size",
    "starts_at",
    "ends_at",
    "meeting_point",
    "guest_notes",
    "crew_notes",
    "status",
)


def charter_is_live(charter: Charter) -> bool:
    return charter.status in LIVE_STATUSES


def page_is_live(charter: Charter) -> bool:
    """A guest page may be published before confirmation (``publish_guest_page``); only a
    cancellation withdraws it."""
    return charter.status != CharterStatus.CANCELLED


def calendar_entry_payload(charter: Charter) -> dict[str, Any]:
    """The office calendar's view of a charter (internal: guest name yes, money no)."""
    zone = charter.brand.zone
    local_start = timezone.localtime(charter.starts_at, zone)
    payload = {
        "charter_id": charter.code,
        "date": local_start.date().isoformat(),
        "title": f"{charter.vessel.name} · {charter.guest_name} ({charter.party_size})"[:200],
        "starts_at": local_start.isoformat(),
        "ends_at": timezone.localtime(charter.ends_at, zone).isoformat(),
        "vessel": charter.vessel.name,
        "brand": charter.brand.slug,
        "status": charter.status,
        "meeting_point": charter.meeting_point[:300],
        "guest_count": charter.party_size,
    }
    return {name: payload[name] for name in CALENDAR_ENTRY_FIELDS}


def crew_assignments_prefetch() -> Prefetch:
    """For a caller building many crew payloads: every charter's crew in one query, in the order
    ``crew_event_payload`` lists them, instead of one query per charter."""
    from crew.models import CrewAssignment

    ordered = CrewAssignment.objects.select_related("crew_member").order_by("role", "crew_member__email")
    return Prefetch("crew_assignments", queryset=ordered)


Crew = list[dict[str, str]]


def charters_crew(charter_ids: list[int]) -> dict[int, Crew]:
    """Every listed charter's crew as the crew payload lists it (``crew_event_payload(crew=…)``),
    in one query of plain rows: cheaper than a prefetch for the drift report's ten thousand."""
    from crew.models import CrewAssignment

    rows = (
        CrewAssignment.objects.filter(charter_id__in=charter_ids)
        .order_by("role", "crew_member__email")
        .values_list("charter_id", "crew_member__email", "crew_member__name", "role")
    )
    crew: dict[int, Crew] = {}
    for charter_id, email, name, role in rows:
        crew.setdefault(charter_id, []).append({"email": email, "name": name, "role": role})
    return crew


def crew_event_payload(charter: Charter, *, crew: Crew | None = None) -> dict[str, Any]:
    """The crew-facing event: operational fields only, free text already scrubbed. ``crew``: the
    charter's crew already read (``charters_crew``), else read here."""
    zone = charter.brand.zone
    if crew is None:
        crew = _crew(charter)
    payload = {
        "charter_ref": charter.code,
        "title": f"{charter.vessel.name} charter, party of {charter.party_size}",
        "starts_at": timezone.localtime(charter.starts_at, zone).isoformat(),
        "ends_at": timezone.localtime(charter.ends_at, zone).isoformat(),
        "vessel": scrub_text(charter.vessel.name),
        "meeting_point": scrub_text(charter.meeting_point),
        "guest_count": charter.party_size,
        "crew": crew,
        "notes": scrub_text(charter.crew_notes),
        "status": "cancelled" if charter.status == CharterStatus.CANCELLED else "confirmed",
    }
    return {name: payload[name] for name in CREW_EVENT_FIELDS}


def _crew(charter: Charter) -> Crew:
    assignments: Any
    if "crew_assignments" in getattr(charter, "_prefetched_objects_cache", {}):
        assignments = charter.crew_assignments.all()  # crew_assignments_prefetch(): same order
    else:
        assignments = charter.crew_assignments.select_related("crew_member").order_by("role", "crew_member__email")
    return [{"email": a.crew_member.email, "name": a.crew_member.name, "role": a.role} for a in assignments]


def guest_page_payload(charter: Charter) -> dict[str, Any]:
    """What the published page shows (the render context), and where it is published.

    The brand's bucket and key template are part of it: moving a charter to another brand, or
    changing the brand's key layout, changes what the target must hold.
    """
    brand = charter.brand
    where = {"bucket": brand.bucket, "key_template": brand.guest_page_key_template, "domain": brand.domain}
    if not page_is_live(charter):
        return {
            "withdrawn": True,
            "code": charter.code,
            **where,
            "contact_line": brand.contact_line,
            "theme": [brand.theme_primary_color, brand.theme_accent_color],
        }
    # The page's context less what depends on where it is served from (``csp_connect``).
    return {"withdrawn": False, **where, "page": guest_page_content(charter)}


def target_payload(kind: str, charter: Charter) -> dict[str, Any]:
    if kind == "guest_page":
        return guest_page_payload(charter)
    if kind == "calendar_entry":
        return calendar_entry_payload(charter) if charter_is_live(charter) else {"deleted": charter.code}
    if kind == "crew_event":
        return crew_event_payload(charter)
    raise ValueError(f"Unknown target {kind!r}")


def payload_fingerprint(payload: dict[str, Any]) -> str:
    """SHA-256 of the payload's canonical JSON: same content, same fingerprint."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def target_fingerprint(kind: str, charter: Charter) -> str:
    return payload_fingerprint(target_payload(kind, charter))


def charter_fingerprints(charter: Charter) -> dict[str, str]:
    """The charter's current fingerprint for each target."""
    return {kind: target_fingerprint(kind, charter) for kind in TARGET_KINDS}


def idempotency_key(target: str, payload: dict[str, Any]) -> str:
    """Same content, same key: a replayed upsert is recognised by the receiver and changes nothing."""
    digest = payload_fingerprint(payload)[:32]
    return f"{target}:{payload.get('charter_id') or payload.get('charter_ref')}:{digest}"
