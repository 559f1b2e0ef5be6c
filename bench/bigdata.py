"""The big database of the ``tables`` benchmark, built with PostgreSQL ``COPY`` (psycopg 3).

Shape (issue 16): 2 brands, 10 vessels, 2,000 crew members, and per charter its three target
rows (guest page, calendar entry, crew event) once the flow has run, its crew assignments, its
calendar-API entry while it is live, and five audit entries (100,000 charters → 500,000).

Charters fill slots: 10 vessels × 3 trips a day (09–12, 13–16, 17–20 local, so the confirmed
ones never break the vessel exclusion constraint). Charter ``i`` takes day ``_day_offset(i // 30)``:
today, then two past days for every future one, so a small database and the first charters of a
big one hold the same days around today at the same density, and ``charters_add(100_000,
first=1_000)`` grows the 1,000-charter database into the 100,000 one. Everything is derived
from the index (codes, statuses, target states), so two builds are identical.

State mix (per target row): about 2 % out of date (delivered ≠ wanted), 0.5 % failed, 0.5 %
pending, the rest synced; charters are completed / cancelled in the past, confirmed / inquiry /
cancelled ahead. Inquiries have no target rows (the flow never ran for them).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

PER_DAY = 30  # 10 vessels × 3 slots
VESSELS = 10
CREW = 2_000
CAPTAINS = 200  # crew 0..199 are captains, the rest deckhands
SLOTS = ((9, 12), (13, 16), (17, 20))
ZONE = ZoneInfo("America/Los_Angeles")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_SPACE = 32**7
CODE_MULTIPLIER = 0x2545F491  # odd: i → i·m mod 2^35 is a bijection, so codes never repeat
AUDIT_PER_CHARTER = 5
AUDIT_ACTIONS = ("charter.created", "charter.confirmed", "target.synced", "target.synced", "crew.notified")
PORTAL_MEMBER = 0  # crew member 0 is the portal benchmark's member


def charter_code(index: int) -> str:
    value = (index * CODE_MULTIPLIER + 12_345) % CODE_SPACE
    chars = []
    for _ in range(7):
        value, digit = divmod(value, 32)
        chars.append(CODE_ALPHABET[digit])
    return "".join(chars)


def crew_email(n: int) -> str:
    return f"crew{n:04d}@bench.example"


def _day_offset(k: int) -> int:
    """Day ``k`` of the fill order: 0, -1, +1, -2, -3, +2, -4, -5, +3, …"""
    cycle, pos = divmod(k, 3)
    return cycle + 1 if pos == 2 else -(2 * cycle + pos)


def _mix(index: int, salt: int) -> int:
    """A well-spread number 0..9999 from the index (deterministic, no random state)."""
    return ((index + 1) * 2_654_435_761 + salt * 40_503) % 1_000_003 % 10_000


def charter_times(index: int, today: date) -> tuple[datetime, datetime]:
    day = today + timedelta(days=_day_offset(index // PER_DAY))
    start_hour, end_hour = SLOTS[index % 3]
    starts = datetime(day.year, day.month, day.day, start_hour, tzinfo=ZONE)
    return starts, starts.replace(hour=end_hour)


def charter_status(index: int, starts: datetime, now: datetime) -> str:
    roll = _mix(index, 1) % 100
    if starts < now:
        return "cancelled" if roll < 12 else "completed"
    if roll < 12:
        return "cancelled"
    return "inquiry" if roll < 30 else "confirmed"


def target_state(index: int, kind: int) -> str:
    """synced / out_of_date / failed / pending for one target row (``kind`` 0..2)."""
    roll = _mix(index, 10 + kind)
    if roll < 200:
        return "out_of_date"
    if roll < 250:
        return "failed"
    if roll < 300:
        return "pending"
    return "synced"


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def fixtures_create() -> dict[str, Any]:
    """Brands, vessels and the 2,000 crew members (each with a user); returns their ids."""
    from django.contrib.auth import get_user_model

    from bookings.models import Brand, Vessel
    from crew.models import CrewMember

    brands = [
        Brand.objects.create(slug="qosd", name="Queen of San Diego", domain="queenofsandiego.com", bucket="qosd-bench"),
        Brand.objects.create(slug="sailjada", name="Sail JADA", domain="sailjada.com", bucket="sailjada-bench"),
    ]
    vessels = [
        Vessel.objects.create(name=f"Vessel {n:02d}", slug=f"vessel-{n:02d}", capacity=12, home_marina="Harbor Island")
        for n in range(VESSELS)
    ]
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=crew_email(n), email=crew_email(n), password="!") for n in range(CREW)]  # noqa: S106
    )
    members = CrewMember.objects.bulk_create(
        [
            CrewMember(
                user=user,
                name=f"Crew Member {n:04d}",
                email=crew_email(n),
                roles=["captain"] if n < CAPTAINS else ["deckhand"],
            )
            for n, user in enumerate(users)
        ]
    )
    return {
        "brands": [b.pk for b in brands],
        "brand_slugs": [b.slug for b in brands],
        "vessels": [v.pk for v in vessels],
        "vessel_names": [v.name for v in vessels],
        "members": [m.pk for m in members],
    }


def _copy(cursor: Any, table: str, columns: Sequence[str], rows: Iterator[Sequence[Any]]) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


CHARTER_COLUMNS = (
    "id", "code", "source", "marketplace_booking_id", "guest_name", "guest_email", "guest_phone", "party_size",
    "starts_at", "ends_at", "meeting_point", "status", "gross_revenue", "platform_fee", "captain_fee",
    "other_crew_pay", "payout", "internal_notes", "crew_notes", "guest_notes", "created_at", "updated_at",
    "brand_id", "vessel_id",
)  # fmt: skip
TARGET_COLUMNS = (
    "charter_id", "sync_state", "attempts", "last_error", "last_synced_at", "remote_id", "updated_at",
    "delivered_fingerprint", "wanted_fingerprint",
)  # fmt: skip
GUEST_PAGE_COLUMNS = (*TARGET_COLUMNS, "object_key", "bucket", "public_url", "published_version", "withdrawn", "etag")
SOURCES = ("boatsetter", "getmyboat", "direct", "direct")
SURNAMES = ("Rivera", "Nguyen", "Smith", "Okafor", "Larsen", "Tanaka", "Haddad", "Kowalski", "Moreau", "Singh")


class _Plan:
    """Everything derived from one charter index, computed once and shared by every table."""

    __slots__ = ("brand", "code", "created", "ends", "index", "pk", "starts", "status", "vessel")

    def __init__(self, index: int, today: date, now: datetime, fixtures: dict[str, Any]) -> None:
        self.index, self.pk, self.code = index, index + 1, charter_code(index)
        self.starts, self.ends = charter_times(index, today)
        self.status = charter_status(index, self.starts, now)
        self.brand = fixtures["brands"][_mix(index, 2) % 2]
        self.vessel = fixtures["vessels"][(index // 3) % VESSELS]
        self.created = min(now, self.starts) - timedelta(days=1 + _mix(index, 3) % 90)


def _charter_row(p: _Plan) -> tuple[Any, ...]:
    i = p.index
    source = SOURCES[i % 4]
    surname = SURNAMES[_mix(i, 4) % len(SURNAMES)]
    gross = Decimal(800 + _mix(i, 5) % 1200)
    return (
        p.pk, p.code, source, f"BK{i:08d}" if source != "direct" else "", f"Guest {i} {surname}",
        f"guest{i}@example.com", "+1 619 555 0100", 2 + i % 10, p.starts, p.ends, "Dock 7, Harbor Island West",
        p.status, gross, (gross * Decimal("0.15")).quantize(Decimal("0.01")), Decimal(300), Decimal(150),
        (gross * Decimal("0.85")).quantize(Decimal("0.01")), "Paid by card.", "Two coolers aboard; slip B-12.",
        "Bring a jacket for the evening breeze.", p.created, p.created + timedelta(hours=2), p.brand, p.vessel,
    )  # fmt: skip


def _target_row(p: _Plan, kind: int, now: datetime) -> tuple[Any, ...]:
    state = target_state(p.index, kind)
    wanted = _fingerprint(p.code, kind, "v2")
    delivered = {"synced": wanted, "out_of_date": _fingerprint(p.code, kind, "v1"), "failed": wanted}.get(state, "")
    sync_state = "synced" if state == "out_of_date" else state
    error = "Calendar API answered 503 (retrying automatically)" if state == "failed" else ""
    synced_at = p.created + timedelta(hours=1) if delivered else None
    updated = now - timedelta(minutes=30) if state == "pending" else p.created + timedelta(hours=1)
    return (p.pk, sync_state, 1 if state != "pending" else 0, error, synced_at, p.code if delivered else "",
            updated, delivered, wanted)  # fmt: skip


def _plans(first: int, count: int, fixtures: dict[str, Any], now: datetime) -> list[_Plan]:
    today = now.astimezone(ZONE).date()
    return [_Plan(i, today, now, fixtures) for i in range(first, count)]


def _assignments(plans: Sequence[_Plan], members: Sequence[int]) -> Iterator[tuple[Any, ...]]:
    """Two crew per charter: a captain and a deckhand (the portal member captains vessel 0's
    morning trip for the first 300 days of the fill order)."""
    for p in plans:
        if p.index % PER_DAY == 0 and p.index < 300 * PER_DAY:
            captain = PORTAL_MEMBER
        else:
            captain = 1 + _mix(p.index, 6) % (CAPTAINS - 1)
        deckhand = CAPTAINS + _mix(p.index, 7) % (CREW - CAPTAINS)
        yield (p.pk, members[captain], "captain")
        yield (p.pk, members[deckhand], "deckhand")


def charters_add(
    count: int, *, first: int = 0, fixtures: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """COPY charters ``first``..``count - 1`` and everything that hangs off them; returns counts
    and the seconds it took (sequences reset and tables analysed, as autovacuum would)."""
    from django.db import connection, transaction

    from bookings.payloads import CALENDAR_ENTRY_FIELDS

    began = time.monotonic()
    now = now or datetime.now(UTC)
    plans = _plans(first, count, fixtures, now)
    flowed = [p for p in plans if p.status != "inquiry"]
    live = [p for p in plans if p.status in ("confirmed", "completed")]
    brand_slug = dict(zip(fixtures["brands"], fixtures["brand_slugs"], strict=True))
    vessel_name = dict(zip(fixtures["vessels"], fixtures["vessel_names"], strict=True))
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        counts["charters"] = _copy(cursor, "bookings_charter", CHARTER_COLUMNS, map(_charter_row, plans))
        for kind, table in enumerate(("guestpages_guestpage", "bookings_calendarentry", "crew_crewevent")):
            columns: Sequence[str] = GUEST_PAGE_COLUMNS if kind == 0 else TARGET_COLUMNS

            def rows(kind: int = kind) -> Iterator[tuple[Any, ...]]:
                for p in flowed:
                    row = _target_row(p, kind, now)
                    if kind == 0:
                        key = f"jada-guest-{p.code}.html"
                        url = f"https://example.com/g/{p.code}"
                        row = (*row, key, "qosd-bench", url, 1, p.status == "cancelled", "")  # no ETag recorded
                    yield row

            counts[table] = _copy(cursor, table, columns, rows())
        counts["crew_crewassignment"] = _copy(
            cursor,
            "crew_crewassignment",
            ("charter_id", "crew_member_id", "role"),
            _assignments(plans, fixtures["members"]),
        )
        counts["bookings_internalcalendarevent"] = _copy(
            cursor,
            "bookings_internalcalendarevent",
            (*CALENDAR_ENTRY_FIELDS, "idempotency_key", "created_at", "updated_at"),
            (
                (
                    p.code,
                    p.starts.astimezone(ZONE).date(),
                    f"{p.code} {vessel_name[p.vessel]}",
                    p.starts,
                    p.ends,
                    vessel_name[p.vessel],
                    brand_slug[p.brand],
                    p.status,
                    "Dock 7, Harbor Island West",
                    6,
                    _fingerprint("cal", p.code)[:40],
                    p.created,
                    p.created,
                )
                for p in live
            ),
        )
        counts["jada_auditentry"] = _copy(
            cursor,
            "jada_auditentry",
            ("created_at", "actor_label", "action", "object_type", "object_id", "object_repr", "data"),
            (
                (
                    p.created + timedelta(minutes=10 * k),
                    "intake" if k == 0 else "system",
                    action,
                    "bookings.charter",
                    str(p.pk),
                    f"{p.code} — Guest {p.index}",
                    json.dumps({"step": k}),
                )
                for p in plans
                for k, action in enumerate(AUDIT_ACTIONS)
            ),
        )
        for table in ("bookings_charter", "guestpages_guestpage", "bookings_calendarentry", "crew_crewevent",
                      "crew_crewassignment", "bookings_internalcalendarevent", "jada_auditentry"):  # fmt: skip
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            cursor.execute(sql)  # the table names are the constants above
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts["seconds"] = round(time.monotonic() - began, 1)  # type: ignore[assignment]
    return counts
