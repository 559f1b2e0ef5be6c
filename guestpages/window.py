"""The charter's photo window: when guests may upload photos.

The rule it keeps: the window is computed from the charter's *current* times and its brand's
settings every time it is asked for — never stored — so a reschedule moves it and a cancellation
closes it without anyone remembering to. It is ``[opens_at, closes_at)``: open from the first
second of ``opens_at``, closed from the first second of ``closes_at``. The upload API enforces it
when it issues a presigned POST (S3 policies have no "not before"), and the published page embeds
the same two instants so a browser shows the right state days after publishing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from django.utils import timezone

if TYPE_CHECKING:
    from bookings.models import Charter

WindowState = Literal["not_open", "open", "closed"]
CANCELLED = "cancelled"


@dataclass(frozen=True)
class PhotoWindow:
    opens_at: datetime
    closes_at: datetime
    state: WindowState

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def seconds_left(self, now: datetime | None = None) -> int:
        """Whole seconds until the window closes (0 when it is not open)."""
        if not self.is_open:
            return 0
        return max(0, int((self.closes_at - (now or timezone.now())).total_seconds()))


def photo_window(charter: Charter, *, now: datetime | None = None) -> PhotoWindow:
    brand = charter.brand
    opens_at = charter.starts_at - brand.photo_window_opens_before
    closes_at = charter.ends_at + brand.photo_window_closes_after
    now = now or timezone.now()
    state: WindowState
    if charter.status == CANCELLED or now >= closes_at:
        state = "closed"
    elif now < opens_at:
        state = "not_open"
    else:
        state = "open"
    return PhotoWindow(opens_at=opens_at, closes_at=closes_at, state=state)
