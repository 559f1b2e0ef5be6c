"""What the admin's front page shows: today's and tomorrow's charters per vessel, what needs
attention, and the counts that matter — one read, a handful of queries.

"Today" is the office's day (``TIME_ZONE``); each charter's times are shown in its brand's zone,
with the zone named, because a brand may sell trips in another zone than the office sits in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from bookings.admin_targets import target_badge
from bookings.models import Charter, CharterConflict, CharterStatus, DriftReport
from bookings.targets import TARGET_MODELS, out_of_date_q
from crew.models import CrewNotification, NotificationState
from guestpages.message_models import GuestSuppression

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


def _line(charter: Charter, change_url: str) -> CharterLine:
    """``change_url`` is the charter change URL reversed with ``_PK`` in place of the key."""
    zone = ZoneInfo(charter.brand.time_zone)
    starts, ends = charter.starts_at.astimezone(zone), charter.ends_at.astimezone(zone)
    targets = [(label, getattr(charter, kind, None)) for kind, label in TARGETS]
    return CharterLine(
        charter=charter,
        starts=starts.strftime("%H:%M"),
        ends=ends.strftime("%H:%M"),
        zone=starts.tzname() or charter.brand.time_zone,
        targets=targets,
        url=change_url.replace(f"/{_PK}/", f"/{charter.pk}/", 1),
        badges=format_html_join("", "{} ", ((target_badge(label, row),) for label, row in targets)),
    )


def _target_attention(now: datetime) -> list[Attention]:
    changelist = reverse("admin:bookings_charter_changelist")
    items = []
    for kind, label in TARGETS:
        # Counted on the target's own table (one row per charter), each through an index of the few
        # rows in that state; joining every charter to it cost a scan of both tables per count.
        rows: Any = TARGET_MODELS[kind]._default_manager
        failed = rows.filter(sync_state="failed").count()
        if failed:
            items.append(
                Attention(f"{failed} charter(s) with a failed {label.lower()}", f"{changelist}?targets=failed", "error")
            )
        stale = rows.filter(out_of_date_q()).count()
        if stale:
            items.append(
                Attention(
                    f"{stale} charter(s) whose {label.lower()} is out of date", f"{changelist}?targets=out_of_date"
                )
            )
        stuck = rows.filter(sync_state__in=["pending", "syncing"], updated_at__lt=now - STUCK_AFTER).count()
        if stuck:
            items.append(
                Attention(
                    f"{stuck} charter(s) whose {label.lower()} has waited more than 10 minutes",
                    f"{changelist}?targets=pending",
                )
            )
    held = CrewNotification.objects.filter(state=NotificationState.HELD).count()
    if held:
        url = reverse("admin:crew_crewnotification_changelist") + "?state__exact=held"
        items.append(Attention(f"{held} crew notice(s) held: the money check did not pass", url, "error"))
    conflicts = CharterConflict.objects.filter(resolved_at__isnull=True).count()
    if conflicts:
        url = reverse("admin:bookings_charterconflict_changelist") + "?open=yes"
        items.append(Attention(f"{conflicts} open conflict(s): a boat or crew member booked twice", url, "error"))
    bounced = GuestSuppression.objects.filter(reason__in=["bounced", "complained"]).count()
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
    week = Charter.objects.filter(starts_at__gte=now, starts_at__lt=now + timedelta(days=7))
    counts = [
        ("Charters today", sum(len(v) for v in days[0].vessels.values()), changelist),
        ("Tomorrow", sum(len(v) for v in days[1].vessels.values()), changelist),
        (
            "Confirmed, next 7 days",
            week.filter(status=CharterStatus.CONFIRMED).count(),
            f"{changelist}?status=confirmed",
        ),
        (
            "Inquiries to confirm",
            Charter.objects.filter(status=CharterStatus.INQUIRY, starts_at__gte=now).count(),
            f"{changelist}?status=inquiry",
        ),
    ]
    attention = _target_attention(now) + _other_attention()
    return OfficeToday(
        days=days, attention=attention, counts=counts, office_zone=str(now.astimezone(office_zone).tzname())
    )
