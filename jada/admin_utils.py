"""Small helpers shared by the admin modules."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString

_COLOURS = {"synced": "#1b7f3b", "pending": "#8a6d00", "syncing": "#1f5fa8", "failed": "#b00020"}


def sync_badge(label: str, row: object) -> SafeString:
    """A coloured badge for a mirror row's sync state ("none" when the target was never created)."""
    state = getattr(row, "sync_state", None) or "none"
    colour = _COLOURS.get(state, "#666")
    return format_html(
        '<span class="jada-badge jada-{}" title="{}: {}" style="color:#fff;background:{};padding:1px 6px;'
        'border-radius:8px;font-size:11px;white-space:nowrap">{} {}</span>',
        state,
        label,
        state,
        colour,
        label,
        state,
    )
