"""Publishing and withdrawing guest pages: the writes that touch a brand's bucket and CDN.

The rules they keep:

- **Right brand, by construction.** The page goes to the bucket named on the charter's own
  brand row, through a storage built from that row alone (``guestpages.storage.brand_storage``);
  the key comes from the same row's key template, the one the CloudFront Function is generated
  from. A misconfigured brand fails *before* anything is written.
- **Overwrite in place, invalidate deterministically.** The key never changes for a charter, so a
  re-publish overwrites it; then ``/g/<CODE>`` and ``/<key>`` are invalidated with caller
  reference ``<CODE>:<version>``. ``published_version`` is only advanced once both succeeded, so
  a retry of a failed attempt re-sends the *same* reference and CloudFront treats it as the same
  invalidation.
- **Withdraw replaces, never deletes.** A cancelled charter's page becomes a short "this charter
  was cancelled — contact us" page (guests who saved the link learn what happened instead of
  meeting an S3 403), and is invalidated the same way.
- **The row tells the truth.** Each call moves the ``GuestPage`` row to ``syncing`` (unless the
  booking flow already claimed it), then ``synced`` or ``failed`` with ``last_error``; a row put
  back to ``pending`` meanwhile keeps its state, so the newer round decides.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from storages.backends.s3 import S3Storage

from guestpages.cdn import bulk_caller_reference, cdn_invalidate
from guestpages.cloudfront import guest_page_key
from guestpages.errors import GuestPageError, GuestPageRemoteError, aws_error
from guestpages.models import GuestPage
from guestpages.render import guest_page_cancelled_render, guest_page_render
from guestpages.storage import brand_publish_check, brand_storage
from jada.audit import audit_record
from jada.aws import aws_client
from jada.errors import JadaError
from jada.models import AuditEntry, SyncState

if TYPE_CHECKING:
    from bookings.models import Brand, Charter

logger = logging.getLogger(__name__)


def guest_page_public_url(charter: Charter) -> str:
    return f"https://{charter.brand.domain}/g/{charter.code}"


def guest_page_paths(charter: Charter, key: str) -> list[str]:
    """What a change must invalidate: the viewer path and the rewritten key (AWS: both)."""
    return [f"/g/{charter.code}", f"/{key}"]


def guest_page_publish(*, charter: Charter, actor: Any = None) -> GuestPage:
    """Render the charter's page with its brand's theme and publish it to that brand's site."""
    if charter.status == "cancelled":
        raise GuestPageError(f"Charter {charter.code} is cancelled: withdraw its guest page instead of publishing it.")
    page = _page_claim(charter)
    brand = charter.brand
    try:
        brand_publish_check(brand)
        key = guest_page_key(brand.guest_page_key_template, charter.code)
        version = page.published_version + 1
        _object_write(brand_storage(brand), key, guest_page_render(charter))
        cdn_invalidate(brand=brand, paths=guest_page_paths(charter, key), caller_reference=f"{charter.code}:{version}")
    except BaseException as exc:
        _page_failed(page, exc)
        raise
    return _page_done(page, key=key, version=version, withdrawn=False, action="guest_page.published", actor=actor)


def guest_page_withdraw(*, charter: Charter, actor: Any = None) -> GuestPage:
    """Replace the charter's page with a short "cancelled — contact us" page and invalidate it.

    A page that was never published (and whose key is not in the bucket) is only marked withdrawn:
    nothing is written, so cancelling an unpublished inquiry leaves no page behind.
    """
    page = _page_claim(charter)
    brand = charter.brand
    try:
        brand_publish_check(brand)
        key = guest_page_key(brand.guest_page_key_template, charter.code)
        if page.published_version == 0 and not _object_exists(brand, key):
            return _page_done(
                page, key="", version=0, withdrawn=True, action="guest_page.withdrawn_unpublished", actor=actor
            )
        version = page.published_version + 1
        _object_write(brand_storage(brand), key, guest_page_cancelled_render(charter))
        cdn_invalidate(brand=brand, paths=guest_page_paths(charter, key), caller_reference=f"{charter.code}:{version}")
    except BaseException as exc:
        _page_failed(page, exc)
        raise
    return _page_done(page, key=key, version=version, withdrawn=True, action="guest_page.withdrawn", actor=actor)


@dataclass
class _Written:
    page: GuestPage
    key: str
    version: int


def guest_pages_publish_many(*, charters: Iterable[Charter]) -> list[GuestPage]:
    """Publish many pages with one CDN invalidation per brand instead of one per page.

    Each page is written like ``guest_page_publish`` does; then each brand's paths go out as one
    invalidation (split into batches under CloudFront's limits, see ``cdn_invalidate``). A page
    whose write failed is marked failed and left out; if a brand's invalidation fails, that brand's
    written pages are marked failed so a retry re-publishes them. Returns the rows in input order.

    The rows are claimed and finished in bulk (a handful of statements per brand, not several per
    page): per-page round trips cost more than the S3 writes themselves.
    """
    charters = list(charters)
    unique = list({charter.pk: charter for charter in charters}.values())
    results = _pages_claim(unique)
    by_brand: dict[int, list[Charter]] = {}
    for charter in unique:
        by_brand.setdefault(charter.brand_id, []).append(charter)
    for group in by_brand.values():
        brand = group[0].brand
        written: list[_Written] = []
        storage: S3Storage | None = None
        for charter in group:
            page = results[charter.pk]
            try:
                if charter.status == "cancelled":
                    raise GuestPageError(f"Charter {charter.code} is cancelled: withdraw it instead.")
                brand_publish_check(brand)
                storage = storage or brand_storage(brand)
                key = guest_page_key(brand.guest_page_key_template, charter.code)
                _object_write(storage, key, guest_page_render(charter))
            except JadaError as exc:
                _page_failed(page, exc)
                continue
            written.append(_Written(page, key, page.published_version + 1))
        if not written:
            continue
        paths = [path for item in written for path in guest_page_paths(item.page.charter, item.key)]
        reference = bulk_caller_reference(brand, [f"{item.page.charter.code}:{item.version}" for item in written])
        try:
            cdn_invalidate(brand=brand, paths=paths, caller_reference=reference)
        except JadaError as exc:
            for item in written:
                _page_failed(item.page, exc)
            continue
        results.update(_pages_done(brand, written))
    return [results[charter.pk] for charter in charters]


# --- the bucket ---------------------------------------------------------------------------------


def _object_write(storage: S3Storage, key: str, html: str) -> None:
    try:
        saved = storage.save(key, ContentFile(html.encode("utf-8")))
    except ClientError as exc:
        raise aws_error(f"Writing s3://{storage.bucket_name}/{key}", exc) from exc
    except BotoCoreError as exc:
        raise GuestPageRemoteError(f"S3 unreachable writing {key}: {exc}", transient=True) from exc
    if saved != key:  # file_overwrite=False somewhere would rename it and break the CloudFront rewrite
        raise GuestPageError(f"The storage saved {saved!r} instead of {key!r}; it must overwrite in place.")


def _object_exists(brand: Brand, key: str) -> bool:
    try:
        aws_client("s3", region=brand.region).head_object(Bucket=brand.bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise aws_error(f"Checking s3://{brand.bucket}/{key}", exc) from exc
    except BotoCoreError as exc:
        raise GuestPageRemoteError(f"S3 unreachable: {exc}", transient=True) from exc
    return True


# --- the row ------------------------------------------------------------------------------------


def _page_claim(charter: Charter) -> GuestPage:
    """Get or create the row and mark it ``syncing`` (one more attempt), unless the flow already did."""
    with transaction.atomic():
        page, _ = GuestPage.objects.select_for_update().get_or_create(charter=charter)
        if page.sync_state != SyncState.SYNCING:
            page.sync_state, page.attempts = SyncState.SYNCING, page.attempts + 1
            page.save(update_fields=["sync_state", "attempts", "updated_at"])
    page.charter = charter
    return page


def _page_failed(page: GuestPage, exc: BaseException) -> None:
    if isinstance(exc, JadaError):
        message = exc.message
    else:
        logger.exception("guest page for %s failed with a bug", page.charter.code)
        message = f"Internal error ({type(exc).__name__}); it has been logged."
    GuestPage.objects.filter(pk=page.pk).exclude(sync_state=SyncState.PENDING).update(
        sync_state=SyncState.FAILED, last_error=message[:2000], updated_at=timezone.now()
    )
    page.refresh_from_db()


def _page_done(
    page: GuestPage, *, key: str, version: int, withdrawn: bool, action: str, actor: Any = None
) -> GuestPage:
    charter = page.charter
    now = timezone.now()
    published = {"withdrawn": withdrawn, "updated_at": now}
    if key:
        published.update(
            bucket=charter.brand.bucket,
            object_key=key,
            public_url=guest_page_public_url(charter),
            published_version=version,
        )
    with transaction.atomic():
        GuestPage.objects.filter(pk=page.pk).update(**published)
        GuestPage.objects.filter(pk=page.pk).exclude(sync_state=SyncState.PENDING).update(
            sync_state=SyncState.SYNCED, last_error="", last_synced_at=now
        )
        page.refresh_from_db()
        page.charter = charter  # refresh_from_db dropped it; str(page) would fetch it again
        audit_record(
            action=action,
            obj=page,
            actor=actor if isinstance(actor, AbstractBaseUser) else None,
            actor_label="" if isinstance(actor, AbstractBaseUser) else (str(actor) if actor else "guestpages"),
            data={"bucket": page.bucket, "key": page.object_key, "version": page.published_version},
        )
    page.charter = charter
    return page


def _pages_claim(charters: list[Charter]) -> dict[int, GuestPage]:
    """``_page_claim`` for many charters in three statements: create the missing rows, mark every
    row not already ``syncing`` as ``syncing`` with one more attempt, read them back.

    The UPDATE takes the row locks ``select_for_update`` took one by one; ``ignore_conflicts``
    lets a row created concurrently (the flow claiming the same charter) stand.
    """
    ids = [charter.pk for charter in charters]
    with transaction.atomic():
        GuestPage.objects.bulk_create([GuestPage(charter=charter) for charter in charters], ignore_conflicts=True)
        GuestPage.objects.filter(charter_id__in=ids).exclude(sync_state=SyncState.SYNCING).update(
            sync_state=SyncState.SYNCING, attempts=F("attempts") + 1, updated_at=timezone.now()
        )
        pages = {page.charter_id: page for page in GuestPage.objects.filter(charter_id__in=ids)}
    for charter in charters:
        pages[charter.pk].charter = charter
    return pages


def _pages_done(brand: Brand, written: list[_Written]) -> dict[int, GuestPage]:
    """``_page_done`` for one brand's written pages: one bulk UPDATE of what was published, one
    UPDATE of the state (a row put back to ``pending`` meanwhile keeps it), one read back, and one
    INSERT of the audit entries, all in one transaction so each entry exists exactly when its
    change does. Returns the fresh rows by charter id."""
    now = timezone.now()
    ids = [item.page.pk for item in written]
    with transaction.atomic():
        _pages_published_update(brand, written, now)
        GuestPage.objects.filter(pk__in=ids).exclude(sync_state=SyncState.PENDING).update(
            sync_state=SyncState.SYNCED, last_error="", last_synced_at=now
        )
        fresh = {page.pk: page for page in GuestPage.objects.filter(pk__in=ids)}
        for item in written:
            fresh[item.page.pk].charter = item.page.charter
        label = GuestPage._meta.label_lower
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    actor=None,
                    actor_label="guestpages",
                    action="guest_page.published",
                    object_type=label,
                    object_id=str(page.pk),
                    object_repr=str(page)[:200],
                    data={"bucket": page.bucket, "key": page.object_key, "version": page.published_version},
                )
                for page in fresh.values()
            ]
        )
    return {page.charter_id: page for page in fresh.values()}


_PUBLISHED_SET = (
    "bucket = %s, withdrawn = false, updated_at = %s, "
    "object_key = v.object_key, public_url = v.public_url, published_version = v.version"
)
_PUBLISHED_ROWS = (
    "unnest(%s::bigint[], %s::text[], %s::text[], %s::integer[]) AS v(id, object_key, public_url, version)"
)


def _pages_published_update(brand: Brand, written: list[_Written], now: Any) -> None:
    """Record what each page was published as, in one UPDATE joined to the per-row values.

    ``bulk_update`` would say the same with a CASE per field per row; building those expressions
    cost 2.4 s per 1,000 pages here, more than the statement itself. Unconditional, as in
    ``_page_done``: the object *was* written, whatever the state a newer round set meanwhile.
    """
    if connection.vendor != "postgresql":  # SQLite (`make run`): the portable, slower statement
        for item in written:
            page = item.page
            page.bucket, page.withdrawn, page.updated_at = brand.bucket, False, now
            page.object_key, page.published_version = item.key, item.version
            page.public_url = guest_page_public_url(page.charter)
        fields = ["bucket", "withdrawn", "updated_at", "object_key", "public_url", "published_version"]
        GuestPage.objects.bulk_update([item.page for item in written], fields)
        return
    # Only the table name is interpolated (the model's own, not input); every value is a parameter.
    table = connection.ops.quote_name(GuestPage._meta.db_table)
    sql = f"UPDATE {table} AS g SET {_PUBLISHED_SET} FROM {_PUBLISHED_ROWS} WHERE g.id = v.id"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                brand.bucket,
                now,
                [item.page.pk for item in written],
                [item.key for item in written],
                [guest_page_public_url(item.page.charter) for item in written],
                [item.version for item in written],
            ],
        )
