"""What the admin's front page shows: today's and tomorrow's charters per vessel, what needs
attention, and the counts that matter — one read of the charters, one statement for every count.

"Today" is the office's day (``TIME_ZONE``); each charter's times are shown in its brand's zone,
with the zone named, because a brand may sell trips in another zone than the office sits in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from bookings.admin_targets import target_badge
from bookings.models import Charter, CharterConflict, CharterStatus, DriftReport
from bookings.targets import TARGET_MODELS, out_of_date_q
from crew.models import CrewNotification, NotificationState
from guestpages.message_models import GuestSuppression
from jada.sql import counts_at_once

TARGETS = (("guest_page", "Guest page"), ("calendar_entry", "Calendar"), ("crew_event", "Crew event"))
STUCK_AFTER = timedelta(minutes=10)


@dataclass
class CharterLine:
    charter: Charter
    starts: str
    ends: str
    zone: str
    targets: list[tuple[str, Any]]
    url: str
    badges: SafeString
    row: SafeString  # the line's table row as templates/admin/index.html wrote it (built once, here)


@dataclass
class Day:
    label: str
    date: Any
    vessels: dict[str, list[CharterLine]] = field(default_factory=dict)


@dataclass
class Attention:
    text: str
    url: str
    severity: str = "warning"


@dataclass
class OfficeToday:
    days: list[Day]
    attention: list[Attention]
    counts: list[tuple[str, int, str]]
    office_zone: str


_PK = "0000"  # stands for the key in the change URL, reversed once per page rather than once per line


# One line of a day's table, whitespace and all, as the template's loop wrote it per charter
# (each value escaped and localized as a template variable is: ``_shown``).
_ROW = (
    "\n            <tr>\n"
    '              <td><a href="{url}">{code}</a></td>\n'
    '              <td>{starts}–{ends} <span class="jada-zone">{zone}</span></td>\n'
    "              <td>{guest} · {party} guests</td>\n"
    "              <td>{status}</td>\n"
    "              <td>{badges}</td>\n"
    "            </tr>\n"
    "          "
)


def _shown(value: Any) -> str:
    """What ``{{ value }}`` writes in a template (localized, then escaped unless already safe)."""
    return str(conditional_escape(str(localize(value))))


def _line(charter: Charter, change_url: str) -> CharterLine:
    """``change_url`` is the charter change URL reversed with ``_PK`` in place of the key."""
    zone = ZoneInfo(charter.brand.time_zone)
    starts, ends = charter.starts_at.astimezone(zone), charter.ends_at.astimezone(zone)
    targets = [(label, getattr(charter, kind, None)) for kind, label in TARGETS]
    line = CharterLine(
        charter=charter,
        starts=starts.strftime("%H:%M"),
        ends=ends.strftime("%H:%M"),
        zone=starts.tzname() or charter.brand.time_zone,
        targets=targets,
        url=change_url.replace(f"/{_PK}/", f"/{charter.pk}/", 1),
        badges=SafeString("".join(f"{target_badge(label, row)} " for label, row in targets)),
        row=SafeString(""),
    )
    line.row = SafeString(
        _ROW.format(
            url=_shown(line.url),
            code=_shown(charter.code),
            starts=_shown(line.starts),
            ends=_shown(line.ends),
            zone=_shown(line.zone),
            guest=_shown(charter.guest_name),
            party=_shown(charter.party_size),
            status=_shown(charter.get_status_display()),
            badges=line.badges,
        )
    )
    return line


def _counted(now: datetime) -> dict[str, QuerySet[Any]]:
    """Every number the front page prints, as querysets counted together (``counts_at_once``)."""
    counted: dict[str, QuerySet[Any]] = {}
    for kind, _label in TARGETS:
        # Counted on the target's own table (one row per charter), each through an index of the few
        # rows in that state; joining every charter to it cost a scan of both tables per count.
        rows: Any = TARGET_MODELS[kind]._default_manager
        counted[f"{kind}.failed"] = rows.filter(sync_state="failed")
        counted[f"{kind}.stale"] = rows.filter(out_of_date_q())
        counted[f"{kind}.stuck"] = rows.filter(sync_state__in=["pending", "syncing"], updated_at__lt=now - STUCK_AFTER)
    counted["held"] = CrewNotification.objects.filter(state=NotificationState.HELD)
    counted["conflicts"] = CharterConflict.objects.filter(resolved_at__isnull=True)
    counted["bounced"] = GuestSuppression.objects.filter(reason__in=["bounced", "complained"])
    week = Charter.objects.filter(starts_at__gte=now, starts_at__lt=now + timedelta(days=7))
    counted["confirmed_week"] = week.filter(status=CharterStatus.CONFIRMED)
    counted["inquiries"] = Charter.objects.filter(status=CharterStatus.INQUIRY, starts_at__gte=now)
    return counted


def _target_attention(numbers: dict[str, int]) -> list[Attention]:
    changelist = reverse("admin:bookings_charter_changelist")
    items = []
    for kind, label in TARGETS:
        failed = numbers[f"{kind}.failed"]
        if failed:
            items.append(
                Attention(f"{failed} charter(s) with a failed {label.lower()}", f"{changelist}?targets=failed", "error")
            )
        stale = numbers[f"{kind}.stale"]
        if stale:
            items.append(
                Attention(
                    f"{stale} charter(s) whose {label.lower()} is out of date", f"{changelist}?targets=out_of_date"
                )
            )
        stuck = numbers[f"{kind}.stuck"]
        if stuck:
            items.append(
                Attention(
                    f"{stuck} charter(s) whose {label.lower()} has waited more than 10 minutes",
                    f"{changelist}?targets=pending",
                )
            )
    held = numbers["held"]
    if held:
        url = reverse("admin:crew_crewnotification_changelist") + "?state__exact=held"
        items.append(Attention(f"{held} crew notice(s) held: the money check did not pass", url, "error"))
    conflicts = numbers["conflicts"]
    if conflicts:
        url = reverse("admin:bookings_charterconflict_changelist") + "?open=yes"
        items.append(Attention(f"{conflicts} open conflict(s): a boat or crew member booked twice", url, "error"))
    bounced = numbers["bounced"]
    if bounced:
        url = reverse("admin:guestpages_guestsuppression_changelist")
        items.append(Attention(f"{bounced} guest address(es) bounced or complained: no more mail to them", url))
    return items


def _other_attention() -> list[Attention]:
    items = []
    report = DriftReport.objects.order_by("-created_at", "-id").first()
    if report and report.finding_count:
        items.append(
            Attention(
                f"Drift: the latest report found {report.finding_count} difference(s)",
                reverse("admin:bookings_driftreport_change", args=[report.pk]),
                "error",
            )
        )
    from jada.models import BeatHeartbeat

    sweep = BeatHeartbeat.objects.filter(task="crew.tasks.crew_events_sweep").first()
    dirty = (sweep.last_result or {}).get("dirty", 0) if sweep else 0
    if dirty:
        items.append(
            Attention(
                f"The last scrub sweep found {dirty} crew-facing item(s) holding money (scrubbed)",
                reverse("admin:jada_auditentry_changelist"),
                "error",
            )
        )
    if settings.REDIS_URL:
        from jada.health import beat_late_jobs

        for sentence in beat_late_jobs():
            items.append(Attention(f"Beat: {sentence}", reverse("admin:django_celery_beat_periodictask_changelist")))
    return items


def office_today(*, now: datetime | None = None) -> OfficeToday:
    """The front page's data. Days run in the office zone; times show in each brand's zone."""
    now = now or timezone.now()
    office_zone = ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(office_zone).date()
    start = datetime.combine(today, time.min, tzinfo=office_zone)
    charters = (
        Charter.objects.filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=2))
        .select_related("brand", "vessel", "guest_page", "calendar_entry", "crew_event")
        .order_by("vessel__name", "starts_at")
    )
    days = [Day("Today", today), Day("Tomorrow", today + timedelta(days=1))]
    change_url = reverse("admin:bookings_charter_change", args=[_PK])
    for charter in charters:
        day = days[0] if charter.starts_at.astimezone(office_zone).date() == today else days[1]
        day.vessels.setdefault(charter.vessel.name, []).append(_line(charter, change_url))

    changelist = reverse("admin:bookings_charter_changelist")
    numbers = counts_at_once(_counted(now))  # one statement for every counter on the page
    counts = [
        ("Charters today", sum(len(v) for v in days[0].vessels.values()), changelist),
        ("Tomorrow", sum(len(v) for v in days[1].vessels.values()), changelist),
        (
            "Confirmed, next 7 days",
            numbers["confirmed_week"],
            f"{changelist}?status=confirmed",
        ),
        (
            "Inquiries to confirm",
            numbers["inquiries"],
            f"{changelist}?status=inquiry",
        ),
    ]
    attention = _target_attention(numbers) + _other_attention()
    return OfficeToday(
        days=days, attention=attention, counts=counts, office_zone=str(now.astimezone(office_zone).tzname())
    )
