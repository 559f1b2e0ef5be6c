"""The charters the drift report checks, read for ten thousand at a time.

The report builds every live (or recently cancelled) charter's three payloads to compare them with
what the targets hold, so this module reads what those payloads need and nothing more: the charter
fields they read (``PAYLOAD_CHARTER_FIELDS``), each brand and vessel once (shared by its charters
rather than joined into every row and built again for each), the guest-page row's fields the page
check compares with the bucket, and every charter's crew in one query of plain rows. The payloads
built from these charters are the ones built from fully loaded charters (a test compares them and
fails on any query a payload would make), so the report finds the same drift either way.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from bookings.models import Brand, Charter, CharterStatus, Vessel
from bookings.payloads import LIVE_STATUSES, PAYLOAD_CHARTER_FIELDS

# What ``bookings.reconcile`` compares of the guest-page row: the ETag and place of our last
# write, the fingerprint it delivered, whether it withdrew the page and whether a push is under way.
PAGE_ROW_FIELDS = ("etag", "object_key", "bucket", "delivered_fingerprint", "sync_state", "withdrawn")


def drift_charters(*, since: datetime) -> tuple[list[Charter], list[Brand]]:
    """Every live charter, and every charter cancelled with an end after ``since``, that has a
    target row, by start; with every brand (the report lists each brand's bucket)."""
    charters = list(
        Charter.objects.select_related("guest_page")
        .only(*PAYLOAD_CHARTER_FIELDS, *(f"guest_page__{name}" for name in PAGE_ROW_FIELDS))
        .filter(Q(status__in=LIVE_STATUSES) | Q(status=CharterStatus.CANCELLED, ends_at__gte=since))
        .filter(Q(guest_page__isnull=False) | Q(calendar_entry__isnull=False) | Q(crew_event__isnull=False))
        .order_by("starts_at")
    )
    # Read after the charters: every brand and vessel they name exists (both are PROTECTed). One
    # that does not (a brand deleted in between) is left to the charter to read itself.
    brands = list(Brand.objects.all())
    by_pk = {brand.pk: brand for brand in brands}
    vessels = {vessel.pk: vessel for vessel in Vessel.objects.filter(pk__in={c.vessel_id for c in charters})}
    for charter in charters:
        if charter.brand_id in by_pk:
            charter.brand = by_pk[charter.brand_id]
        if charter.vessel_id in vessels:
            charter.vessel = vessels[charter.vessel_id]
    return charters, brands
