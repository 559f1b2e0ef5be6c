"""Each brand's bucket, reached only through the brand's own row.

The rule it keeps: a storage is built from one ``Brand`` row's bucket and region and nothing
else — there is no global bucket setting to fall back to — so a brand whose bucket is missing
fails with a clear error instead of publishing to another brand's site.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from django.conf import settings
from storages.backends.s3 import S3Storage
from storages.utils import clean_name, is_seekable

from guestpages.errors import BrandMisconfigured
from jada.aws import aws_client, aws_config, aws_endpoint_url, aws_is_not_found, aws_reset_register

if TYPE_CHECKING:
    from bookings.models import Brand

GUEST_PAGE_CONTENT_TYPE = "text/html; charset=utf-8"
# Short, so a CDN invalidation that failed only delays freshness by a minute.
GUEST_PAGE_CACHE_CONTROL = "public, max-age=60"
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_TEMPLATE_RE = re.compile(r"^[A-Za-z0-9_./-]*\{code\}[A-Za-z0-9_./-]*\.html$")


def aws_is_stand_in() -> bool:
    """True when S3 points at a local stand-in (moto; ``AWS_ENDPOINT_URL``), never at real AWS."""
    endpoint = aws_endpoint_url("s3")
    if not endpoint:
        return False
    host = (urlsplit(endpoint).hostname or "").lower()
    return not host.endswith("amazonaws.com")


def brand_publish_check(brand: Brand) -> None:
    """Everything publishing needs from the row, checked before anything is written."""
    problems = []
    if not brand.bucket or not _BUCKET_RE.match(brand.bucket):
        problems.append("a valid bucket")
    if not brand.domain:
        problems.append("a domain")
    if not brand.region:
        problems.append("a region")
    if not brand.distribution_id:
        problems.append("a CloudFront distribution id")
    template = brand.guest_page_key_template or ""
    if template.count("{code}") != 1 or not _TEMPLATE_RE.match(template) or ".." in template:
        problems.append("a key template such as jada-guest-{code}.html")
    if problems:
        raise BrandMisconfigured(
            f"Brand {brand.slug!r} cannot publish guest pages: it needs {', '.join(problems)}. Fix it in the admin."
        )


# Used for anything at or above the multipart threshold (never a guest page): inline, without the
# thread pool s3transfer would otherwise start per file.
_TRANSFER_CONFIG = TransferConfig(use_threads=False)


class GuestPageStorage(S3Storage):
    """``S3Storage`` that sends a small file as one ``PutObject`` instead of through s3transfer.

    django-storages 1.14.6 always uploads with ``Object.upload_fileobj``, which for an 8 kB page
    costs more than the request: a boto3 ``Object`` resource built per file (~2 ms), a transfer
    manager, and — because the body is a file object — an ``Expect: 100-continue`` round trip
    that also made every upload open a new connection. Only the transport changes: the name
    handling, ``file_overwrite``, the write parameters (``object_parameters``, ACL) and the
    client (this storage's own, with ``jada.aws``'s botocore config) are django-storages'.
    Anything at or above the multipart threshold, or gzipped, takes the stock path.
    """

    def _save(self, name: str, content: Any) -> str:
        size = getattr(content, "size", None)
        if self.gzip or size is None or size >= self.transfer_config.multipart_threshold or not is_seekable(content):
            return str(super()._save(name, content))
        cleaned = clean_name(name)
        key = self._normalize_name(cleaned)
        params = self._get_write_parameters(key, content)
        metadata = getattr(content, "metadata", None)  # guestpages.services: the page's fingerprint
        if metadata:
            params["Metadata"] = {**params.get("Metadata", {}), **metadata}
        content.seek(0)
        body = content.read()
        if isinstance(body, str):
            body = body.encode("utf-8")
        written = self.connection.meta.client.put_object(Bucket=self.bucket_name, Key=key, Body=body, **params)
        content.etag = written.get("ETag", "")  # guestpages.services records it: the drift report's check
        return str(cleaned)


_storages_lock = threading.Lock()
_storages: dict[tuple[Any, ...], S3Storage] = {}


@aws_reset_register
def brand_storages_reset() -> None:
    """Drop cached storages (with ``jada.aws.aws_clients_reset``): each holds its own boto3
    session and client, which must not outlive a moto mock or an endpoint change."""
    with _storages_lock:
        _storages.clear()


def brand_storage(brand: Brand, *, cache_control: str = GUEST_PAGE_CACHE_CONTROL) -> S3Storage:
    """A django-storages S3Storage for guest pages, built from this brand's row alone.

    Every option that matters is passed explicitly, so no global ``AWS_*`` setting can redirect
    the write; keys are overwritten in place (a renamed key would break the CloudFront rewrite).
    Storages are cached per (brand, bucket, region, endpoint, cache control): building one costs
    a boto3 session and an S3 model load (hundreds of ms), and the key holds every row field the
    storage is built from, so an edited brand row gets a new storage, never a stale one.
    """
    if not brand.bucket:
        raise BrandMisconfigured(f"Brand {brand.slug!r} has no bucket; set one in the admin.")
    key = (brand.pk, brand.bucket, brand.region, aws_endpoint_url("s3"), cache_control)
    with _storages_lock:
        storage = _storages.get(key)
        if storage is None:
            storage = _storages[key] = _storage_build(brand, cache_control)
        return storage


def _storage_build(brand: Brand, cache_control: str) -> S3Storage:
    return GuestPageStorage(
        bucket_name=brand.bucket,
        region_name=brand.region,
        endpoint_url=aws_endpoint_url("s3"),
        default_acl=None,
        querystring_auth=False,
        file_overwrite=True,
        location="",
        custom_domain=None,
        gzip=False,
        client_config=aws_config(),
        transfer_config=_TRANSFER_CONFIG,
        object_parameters={"ContentType": GUEST_PAGE_CONTENT_TYPE, "CacheControl": cache_control},
    )


def brand_site_origins(brand: Brand) -> list[str]:
    """Browser origins allowed to call the upload API and POST to the bucket for this brand.

    The brand's own site only; with a local stand-in also ``http://<slug>.localhost:<port>``, where
    ``make run`` previews the pages (a ``.localhost`` origin can only be served on the viewer's
    own machine).
    """
    origins = [f"https://{brand.domain}", f"https://www.{brand.domain}"]
    if aws_is_stand_in() or settings.DEBUG:
        origins.append(f"http://{brand.slug}.localhost:*")
    return origins


def brand_origin_allowed(brand: Brand, origin: str) -> bool:
    for allowed in brand_site_origins(brand):
        if allowed.endswith(":*"):
            base = allowed[:-2]
            if origin == base or re.fullmatch(re.escape(base) + r":[0-9]{1,5}", origin):
                return True
        elif origin == allowed:
            return True
    return False


def brand_bucket_ensure(brand: Brand) -> bool:
    """Create the brand's bucket if missing and set CORS so the brand's site may POST photos.

    Returns True when the bucket was created. Safe to run any number of times. One CORS rule
    holds every origin: S3 uses the first matching rule, and moto applies all rules at once.
    """
    if not brand.bucket:
        raise BrandMisconfigured(f"Brand {brand.slug!r} has no bucket; set one in the admin.")
    s3 = aws_client("s3", region=brand.region)
    created = False
    try:
        s3.head_bucket(Bucket=brand.bucket)
    except ClientError as exc:
        if not aws_is_not_found(exc):
            raise
        kwargs: dict[str, Any] = {"Bucket": brand.bucket}
        if brand.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": brand.region}
        s3.create_bucket(**kwargs)
        created = True
    s3.put_bucket_cors(
        Bucket=brand.bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": brand_site_origins(brand),
                    "AllowedMethods": ["POST"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag", "Location"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )
    return created
