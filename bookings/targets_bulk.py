"""The bulk half of ``bookings.targets``: a brand's guest pages marked and published many at a time.

Same owner, same rules (``bookings.targets``'s docstring): these are the only other functions that
write a target row's sync state, for the case one task per page would be wrong — a brand's theme,
contact line, photo window or key template changed, or a season's charters were confirmed at
once. A fixed number of statements per batch whatever the number of pages, and one invalidation
per batch (two wildcard paths past ``BULK_WILDCARD_AFTER`` pages), within CloudFront's limits.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from bookings.models import Brand, Charter
from bookings.payloads import guest_page_payload, page_is_live, payload_fingerprint, target_fingerprint
from bookings.targets import row_failed
from guestpages import cdn
from guestpages import services as pages
from guestpages.models import GuestPage
from jada.errors import JadaError
from jada.models import SyncState
from jada.sql import rows_update

# A brand re-publish of more pages than this invalidates two wildcard paths once, not every page.
BULK_WILDCARD_AFTER = 200


def guest_pages_mark_pending(*, charters: QuerySet[Charter]) -> list[int]:
    """``targets_mark_pending`` for many charters' guest pages, without one task each: the
    caller publishes them in bulk (``guest_pages_push_bulk``). Returns the charter ids marked.

    A fixed number of statements whatever the number of charters (a brand's theme edit marks
    all its pages inside the admin's save): read the rows, create the missing ones, then one
    UPDATE for the new round's state and the wanted fingerprints in batches.
    """
    wanted = {c.pk: target_fingerprint("guest_page", c) for c in charters.select_related("brand", "vessel")}
    if not wanted:
        return []
    rows = {row.charter_id: row for row in GuestPage.objects.filter(charter_id__in=wanted)}
    missing = [GuestPage(charter_id=pk) for pk in wanted if pk not in rows]
    if missing:  # a row created meanwhile by a single push is kept (and read back below)
        GuestPage.objects.bulk_create(missing, batch_size=1000, ignore_conflicts=True)
        rows |= {
            row.charter_id: row for row in GuestPage.objects.filter(charter_id__in=[r.charter_id for r in missing])
        }
    due = [
        row
        for pk, row in rows.items()
        if not (row.sync_state == SyncState.SYNCED and row.delivered_fingerprint == wanted[pk])
    ]
    for row in due:
        row.wanted_fingerprint = wanted[row.charter_id]
    with transaction.atomic():
        rows_update(GuestPage, due, ["wanted_fingerprint"])
        GuestPage.objects.filter(pk__in=[row.pk for row in due]).update(
            sync_state=SyncState.PENDING, attempts=0, last_error="", updated_at=timezone.now()
        )
    return [row.charter_id for row in due]


def guest_pages_push_bulk(
    *, brand_id: int, batch: int = 500, wildcard_after: int = BULK_WILDCARD_AFTER
) -> dict[str, Any]:
    """Publish every pending guest page of one brand, a batch at a time, without one invalidation
    per page: up to ``wildcard_after`` pages, one exact invalidation per batch; past that, a
    single wildcard invalidation at the end (``/g/*`` and the key prefix: 2 paths, well inside
    CloudFront's 3,000 paths in flight per distribution). A row is recorded delivered only once
    its invalidation went out. Returns counts of synced and failed, and the rows of charters
    cancelled meanwhile (``left``), whose ordinary push withdraws them."""
    counts: dict[str, Any] = {"synced": 0, "failed": 0, "left": []}
    brand = Brand.objects.get(pk=brand_id)
    wildcard = GuestPage.objects.filter(charter__brand=brand, sync_state=SyncState.PENDING).count() > wildcard_after
    written: list[tuple[GuestPage, pages.PageOrder, pages.PagePlaced]] = []
    while rows := _pages_claim(brand, batch):
        for row in rows:
            if not page_is_live(row.charter):  # cancelled meanwhile: left to the ordinary push (below)
                counts["left"].append(row.pk)
        orders = [_order(row) for row in rows if page_is_live(row.charter)]
        results = pages.guest_pages_publish_many(brand=brand, orders=orders, invalidate=not wildcard)
        by_charter = {row.charter_id: row for row in rows}
        for order in orders:
            row, outcome = by_charter[order.charter.pk], results[order.charter.pk]
            if isinstance(outcome, JadaError):
                row_failed(row, outcome.message, retrying=False)
                counts["failed"] += 1
            else:
                written.append((row, order, outcome))
        if not wildcard:
            counts["synced"] += _pages_done(brand, written)
            written = []
    GuestPage.objects.filter(pk__in=counts["left"]).update(sync_state=SyncState.PENDING)  # it withdraws them
    if written:
        reference = cdn.bulk_caller_reference(brand, [f"{o.charter.code}:{o.version}" for _, o, _ in written])
        try:
            cdn.cdn_invalidate(brand=brand, paths=cdn.wildcard_paths(brand), caller_reference=reference)
        except JadaError as exc:
            for row, _, _ in written:
                row_failed(row, exc.message, retrying=False)
            counts["failed"] += len(written)
            return counts
        counts["synced"] += _pages_done(brand, written)
    return counts


def _order(row: GuestPage) -> pages.PageOrder:
    """The page's content is built once: for its fingerprint, and rendered as is."""
    payload = guest_page_payload(row.charter)
    return pages.PageOrder(row.charter, row.published_version + 1, payload_fingerprint(payload), payload["page"])


def _pages_claim(brand: Brand, batch: int) -> list[GuestPage]:
    with transaction.atomic():
        rows = list(
            GuestPage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("charter__brand", "charter__vessel")
            .filter(charter__brand=brand, sync_state=SyncState.PENDING)[:batch]
        )
        GuestPage.objects.filter(pk__in=[r.pk for r in rows]).update(
            sync_state=SyncState.SYNCING, attempts=F("attempts") + 1, updated_at=timezone.now()
        )
    return rows


def _pages_done(brand: Brand, written: list[tuple[GuestPage, pages.PageOrder, pages.PagePlaced]]) -> int:
    """Record the written pages delivered in two statements (what each now holds, then the state of
    those no newer round put back to pending); remove, and invalidate in one batch, any old key."""
    old_paths = []
    for row, order, placed in written:
        if row.object_key and (row.bucket.lower(), row.object_key) != (placed.bucket.lower(), placed.key):
            owner = Brand.objects.filter(bucket__iexact=row.bucket).first()
            pages.guest_page_remove(
                brand=owner, bucket=row.bucket, key=row.object_key, code=order.charter.code, version=order.version,
                invalidate=False,
            )  # fmt: skip
            old_paths.append(f"/{row.object_key}")
        row.bucket, row.object_key, row.public_url = placed.bucket, placed.key, placed.public_url
        row.published_version, row.withdrawn, row.remote_id = order.version, False, placed.public_url
        row.delivered_fingerprint, row.etag = order.fingerprint, placed.etag
    now = timezone.now()
    with transaction.atomic():
        # Unconditional: the object *was* written, whatever state a newer round set meanwhile.
        rows_update(GuestPage, [row for row, _, _ in written], _DELIVERED_FIELDS)
        GuestPage.objects.filter(pk__in=[row.pk for row, _, _ in written]).exclude(sync_state=SyncState.PENDING).update(
            sync_state=SyncState.SYNCED,
            last_error="",
            last_synced_at=now,
            wanted_fingerprint=F("delivered_fingerprint"),
            updated_at=now,
        )
    if old_paths and brand.distribution_id:
        reference = cdn.bulk_caller_reference(brand, [f"moved:{p}" for p in old_paths])
        cdn.cdn_invalidate(brand=brand, paths=old_paths, caller_reference=reference)
    return len(written)


_DELIVERED_FIELDS = [
    "withdrawn", "bucket", "object_key", "public_url", "published_version", "remote_id", "delivered_fingerprint",
    "etag",
]  # fmt: skip
