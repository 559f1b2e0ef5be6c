"""A brand's quiet hours: when no guest message may go out (read by the planner and the sender)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from bookings.models import Brand


def quiet_hours_next_allowed(brand: Brand, moment: datetime) -> datetime:
    """``moment`` itself, or — inside the brand's quiet hours — the local time they end.

    Quiet hours may wrap midnight (21:00–08:00): a message due at 23:30 goes at 08:00 the next
    local day, one due at 06:00 at 08:00 the same day.
    """
    start, end = brand.mail_quiet_start, brand.mail_quiet_end
    if start is None or end is None or start == end:
        return moment
    local = timezone.localtime(moment, brand.zone)
    now_time = local.time().replace(tzinfo=None)
    if start < end:
        quiet, end_day = start <= now_time < end, local.date()
    else:
        quiet = now_time >= start or now_time < end
        end_day = local.date() + timedelta(days=1) if now_time >= start else local.date()
    if not quiet:
        return moment
    return datetime.combine(end_day, end, tzinfo=brand.zone)
