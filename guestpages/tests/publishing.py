"""Publishing a page the way the product does: the booking flow's guest-page target.

The guestpages adapter only writes and reports; the row is the booking flow's. These helpers run
that target now (no broker) and return the row, so the page tests read like what staff see.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from bookings.targets import target_push, targets_mark_pending
from bookings.targets_bulk import guest_pages_mark_pending, guest_pages_push_bulk
from guestpages.models import GuestPage
from jada.errors import JadaError, RemoteError


def publish(charter: Any) -> GuestPage:
    """Push the charter's guest page now; re-raises the adapter's own error when it fails."""
    with transaction.atomic():
        targets_mark_pending(charter=charter, kinds=["guest_page"], force=True)
    page = GuestPage.objects.get(charter=charter)
    try:
        target_push(kind="guest_page", row_id=page.pk)
    except RemoteError as exc:
        cause = exc.__cause__
        raise (cause if isinstance(cause, JadaError) else exc) from None
    page.refresh_from_db()
    return page


def withdraw(charter: Any) -> GuestPage:
    charter.status = "cancelled"
    charter.save()
    return publish(charter)


def publish_many(charters: list[Any]) -> list[GuestPage]:
    """A brand's bulk re-publish (``bookings.targets_bulk.guest_pages_push_bulk``), brand by brand."""
    from bookings.models import Charter

    with transaction.atomic():
        guest_pages_mark_pending(charters=Charter.objects.filter(pk__in=[c.pk for c in charters]))
    for brand_id in dict.fromkeys(c.brand_id for c in charters):
        guest_pages_push_bulk(brand_id=brand_id)
    found = {p.charter_id: p for p in GuestPage.objects.filter(charter__in=charters)}
    return [found[c.pk] for c in charters]
