"""Guest pages on a brand's site: the adapter that writes, withdraws, removes and reads them.

This module does the work and reports back; it never records sync state (the booking flow's
``bookings.targets`` owns the ``GuestPage`` row). The rules it keeps:

- **Right brand, by construction.** The page goes to the bucket named on the charter's own
  brand row, through a storage built from that row alone (``guestpages.storage.brand_storage``);
  the key comes from the same row's key template, the one the CloudFront Function is generated
  from. A misconfigured brand fails *before* anything is written.
- **Overwrite in place, invalidate deterministically.** The key never changes for a charter of
  a brand, so a re-publish overwrites it; then ``/g/<CODE>`` and ``/<key>`` are invalidated with
  caller reference ``<CODE>:<version>``, the version the caller is writing — a retry of a failed
  attempt re-sends the *same* reference and CloudFront treats it as the same invalidation.
- **The object says what it holds.** Each object carries the fingerprint of the payload it was
  rendered from in its metadata (``x-amz-meta-jada-fingerprint``), so the drift report can
  compare what the bucket really holds with what it should, without rendering anything. Each
  write also reports the ETag S3 answered (``PagePlaced.etag``; the caller records it): a
  listing carries every object's ETag, so a page whose listed ETag is the one we wrote holds
  what we wrote, and only the others cost a HEAD (``guest_page_listing``).
- **Withdraw replaces, never deletes.** A cancelled charter's page becomes a short "this charter
  was cancelled — contact us" page (guests who saved the link learn what happened instead of
  meeting an S3 403). A page that *moved* (another brand, another key layout) is removed from
  where it was, and that path invalidated.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile
from storages.backends.s3 import S3Storage

from guestpages.cdn import bulk_caller_reference, cdn_invalidate
from guestpages.cloudfront import guest_page_key
from guestpages.errors import GuestPageError, GuestPageRemoteError, aws_error
from guestpages.render import guest_page_cancelled_render, guest_page_render
from guestpages.storage import brand_publish_check, brand_storage
from jada.aws import aws_client, aws_is_not_found
from jada.errors import JadaError

if TYPE_CHECKING:
    from bookings.models import Brand, Charter

FINGERPRINT_META = "jada-fingerprint"
STATE_META = "jada-state"  # "live" or "withdrawn"


@dataclass(frozen=True)
class PagePlaced:
    """Where a page now is (``key`` empty: nothing was ever written for it)."""

    bucket: str
    key: str
    public_url: str
    withdrawn: bool
    etag: str = ""  # what S3 answered for the write ("" when unknown)


@dataclass(frozen=True)
class PageHeld:
    """What a bucket really holds under a key: the fingerprint and state from the object's metadata,
    and the ETag S3 computed from its bytes."""

    fingerprint: str
    state: str
    etag: str = ""


@dataclass(frozen=True)
class PageOrder:
    """One page of a bulk publish: the charter, the version being written and its fingerprint, and
    the page content the fingerprint was built from (``guest_page_content``; rendered as is)."""

    charter: Charter
    version: int
    fingerprint: str
    content: dict[str, Any] | None = field(default=None, compare=False)


def guest_page_public_url(charter: Charter) -> str:
    return f"https://{charter.brand.domain}/g/{charter.code}"


def guest_page_object_key(charter: Charter) -> str:
    return guest_page_key(charter.brand.guest_page_key_template, charter.code)


def guest_page_paths(code: str, key: str) -> list[str]:
    """What a change must invalidate: the viewer path and the rewritten key (AWS: both)."""
    return [f"/g/{code}", f"/{key}"]


def guest_page_publish(
    *, charter: Charter, version: int, fingerprint: str, content: dict[str, Any] | None = None
) -> PagePlaced:
    """Render the charter's page with its brand's theme and publish it to that brand's site
    (``content``: its ``guest_page_content`` when the caller built it for the fingerprint)."""
    if charter.status == "cancelled":
        raise GuestPageError(f"Charter {charter.code} is cancelled: withdraw its guest page instead of publishing it.")
    brand = charter.brand
    brand_publish_check(brand)
    key = guest_page_object_key(charter)
    html = guest_page_render(charter, content=content)
    etag = _object_write(brand_storage(brand), key, html, fingerprint=fingerprint, state="live")
    cdn_invalidate(brand=brand, paths=guest_page_paths(charter.code, key), caller_reference=f"{charter.code}:{version}")
    return PagePlaced(brand.bucket, key, guest_page_public_url(charter), withdrawn=False, etag=etag)


def guest_page_withdraw(*, charter: Charter, version: int, fingerprint: str, ever_published: bool) -> PagePlaced:
    """Replace the charter's page with a short "cancelled — contact us" page and invalidate it.

    A page that was never published (and whose key is not in the bucket) is left alone: nothing
    is written, so cancelling an unpublished inquiry leaves no page behind.
    """
    brand = charter.brand
    brand_publish_check(brand)
    key = guest_page_object_key(charter)
    if not ever_published and guest_page_held(brand=brand, bucket=brand.bucket, key=key) is None:
        return PagePlaced(brand.bucket, "", "", withdrawn=True)
    html = guest_page_cancelled_render(charter)
    etag = _object_write(brand_storage(brand), key, html, fingerprint=fingerprint, state="withdrawn")
    cdn_invalidate(brand=brand, paths=guest_page_paths(charter.code, key), caller_reference=f"{charter.code}:{version}")
    return PagePlaced(brand.bucket, key, guest_page_public_url(charter), withdrawn=True, etag=etag)


def guest_page_remove(
    *, brand: Brand | None, bucket: str, key: str, code: str, version: int, invalidate: bool = True
) -> None:
    """Delete a page from where it used to be published (its brand or key layout changed).

    ``brand`` is the brand that owns ``bucket`` (its distribution is invalidated unless the caller
    batches that itself); None when no brand owns that bucket any more: only the object goes.
    """
    region = brand.region if brand is not None else None
    try:
        aws_client("s3", region=region).delete_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if not aws_is_not_found(exc):
            raise aws_error(f"Removing s3://{bucket}/{key}", exc) from exc
    except BotoCoreError as exc:
        raise GuestPageRemoteError(f"S3 unreachable removing {key}: {exc}", transient=True) from exc
    if invalidate and brand is not None and brand.distribution_id:
        cdn_invalidate(brand=brand, paths=guest_page_paths(code, key), caller_reference=f"{code}:{version}:moved")


def guest_page_held(*, brand: Brand, bucket: str, key: str) -> PageHeld | None:
    """What ``bucket`` holds under ``key`` (None: nothing). One HEAD request."""
    try:
        head = aws_client("s3", region=brand.region).head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if aws_is_not_found(exc):
            return None
        raise aws_error(f"Checking s3://{bucket}/{key}", exc) from exc
    except BotoCoreError as exc:
        raise GuestPageRemoteError(f"S3 unreachable: {exc}", transient=True) from exc
    metadata = {k.lower(): v for k, v in (head.get("Metadata") or {}).items()}
    return PageHeld(
        fingerprint=metadata.get(FINGERPRINT_META, ""), state=metadata.get(STATE_META, ""), etag=head.get("ETag", "")
    )


HEAD_THREADS = 8  # HEADs in flight at once when many pages are checked (S3 answers each in ms)


def guest_pages_held(*, brand: Brand, keys: Sequence[str]) -> dict[str, PageHeld | JadaError | None]:
    """``guest_page_held`` for many keys of one brand's bucket, ``HEAD_THREADS`` at a time; per
    key what the bucket holds, None (nothing) or the error that kept it from being checked.
    The drift report asks only for the pages whose listed ETag is not the one recorded for our
    last write; those cost one HEAD each, several in flight."""

    def held(key: str) -> PageHeld | JadaError | None:
        try:
            return guest_page_held(brand=brand, bucket=brand.bucket, key=key)
        except JadaError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=HEAD_THREADS, thread_name_prefix="page-head") as pool:
        return dict(zip(keys, pool.map(held, keys), strict=True))


def guest_page_listing(*, brand: Brand) -> dict[str, str]:
    """Every guest-page key in the brand's bucket with its ETag (one ListObjectsV2 walk, photos
    left out). An ETag equal to the one S3 answered for our write means the object holds that
    write: S3 computes it from the object's bytes."""
    prefix = brand.guest_page_key_template.split("{code}")[0]
    keys: dict[str, str] = {}
    try:
        paginator = aws_client("s3", region=brand.region).get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=brand.bucket, Prefix=prefix):
            keys.update(
                (item["Key"], item.get("ETag", ""))
                for item in page.get("Contents", [])
                if item["Key"].endswith(".html")
            )
    except ClientError as exc:
        if aws_is_not_found(exc):
            return keys
        raise aws_error(f"Listing s3://{brand.bucket}", exc) from exc
    except BotoCoreError as exc:
        raise GuestPageRemoteError(f"S3 unreachable: {exc}", transient=True) from exc
    return keys


def guest_pages_publish_many(
    *, brand: Brand, orders: Sequence[PageOrder], invalidate: bool = True
) -> dict[int, PagePlaced | JadaError]:
    """Publish many pages of one brand with one CDN invalidation (in CloudFront-sized batches).

    Each page is written like ``guest_page_publish`` does; then all their paths go out as one
    invalidation (``cdn_invalidate`` splits it under CloudFront's limits and switches to
    wildcards past them). Returns, per charter id, where the page now is or the error that kept
    it from being published — a failed invalidation fails every page written in this call. With
    ``invalidate=False`` the caller invalidates (e.g. once, with wildcards, for a whole brand).
    """
    results: dict[int, PagePlaced | JadaError] = {}
    written: list[PageOrder] = []
    storage: S3Storage | None = None
    for order in orders:
        charter = order.charter
        try:
            if charter.status == "cancelled":
                raise GuestPageError(f"Charter {charter.code} is cancelled: withdraw it instead.")
            brand_publish_check(brand)
            storage = storage or brand_storage(brand)
            key = guest_page_object_key(charter)
            html = guest_page_render(charter, content=order.content)
            etag = _object_write(storage, key, html, fingerprint=order.fingerprint, state="live")
        except JadaError as exc:
            results[charter.pk] = exc
            continue
        results[charter.pk] = PagePlaced(brand.bucket, key, guest_page_public_url(charter), withdrawn=False, etag=etag)
        written.append(order)
    if written and invalidate:
        paths = [p for o in written for p in guest_page_paths(o.charter.code, guest_page_object_key(o.charter))]
        reference = bulk_caller_reference(brand, [f"{o.charter.code}:{o.version}" for o in written])
        try:
            cdn_invalidate(brand=brand, paths=paths, caller_reference=reference)
        except JadaError as exc:
            for order in written:
                results[order.charter.pk] = exc
    return results


def _object_write(storage: S3Storage, key: str, html: str, *, fingerprint: str, state: str) -> str:
    """Write the page in place; returns the ETag S3 answered ("" if the storage did not say)."""
    content = ContentFile(html.encode("utf-8"))
    content.metadata = {FINGERPRINT_META: fingerprint, STATE_META: state}  # type: ignore[attr-defined]
    try:
        saved = storage.save(key, content)
    except ClientError as exc:
        raise aws_error(f"Writing s3://{storage.bucket_name}/{key}", exc) from exc
    except BotoCoreError as exc:
        raise GuestPageRemoteError(f"S3 unreachable writing {key}: {exc}", transient=True) from exc
    if saved != key:  # file_overwrite=False somewhere would rename it and break the CloudFront rewrite
        raise GuestPageError(f"The storage saved {saved!r} instead of {key!r}; it must overwrite in place.")
    return str(getattr(content, "etag", ""))
