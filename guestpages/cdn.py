"""The brand's CloudFront distribution: invalidations, the guest rewrite function, a local stand-in.

The rules it keeps: an invalidation is named by a deterministic caller reference, so a retried
publish re-sends the same batch and CloudFront answers with the invalidation it already has
instead of starting (and billing) another; one call never takes more than a third of
CloudFront's in-progress allowance (a large set of paths becomes the wildcards that cover it); and a
distribution is only ever *created* on a local stand-in — on real AWS a missing one is reported.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from guestpages.cloudfront import RUNTIME, cloudfront_function_name, cloudfront_function_source
from guestpages.errors import BrandMisconfigured, GuestPageRemoteError, aws_error
from guestpages.storage import aws_is_stand_in
from jada.aws import aws_client, aws_is_not_found, aws_is_transient

if TYPE_CHECKING:
    from bookings.models import Brand

# CloudFront's allowance per distribution: 3,000 file paths and 15 wildcard paths in progress at
# once. One call sends at most one batch of file paths, a third of the allowance, so concurrent
# publishes (and the invalidations of minutes ago, still running) keep room; more than that and it
# sends the wildcards covering them instead (at most two: ``/g/*`` and one key prefix).
INVALIDATION_BATCH_MAX = 1000
INVALIDATION_PATHS_IN_PROGRESS_MAX = 3000
INVALIDATION_WILDCARDS_IN_PROGRESS_MAX = 15
STAND_IN_COMMENT = "jada-stand-in:{slug}"


def _cloudfront() -> Any:
    return aws_client("cloudfront", region="us-east-1")  # CloudFront is a global service


def cdn_invalidate(*, brand: Brand, paths: Sequence[str], caller_reference: str) -> list[str]:
    """Invalidate ``paths`` on the brand's distribution; returns the invalidation ids (one, or none
    for no paths).

    Up to ``INVALIDATION_BATCH_MAX`` paths go out as they are. Past that they are replaced by the
    wildcards that cover exactly them (``covering_wildcards``) — not the brand's current layout,
    which would miss the old keys of a page that moved. CloudFront refusing because too many
    invalidations are in progress (``TooManyInvalidationsInProgress``) is transient: the caller's
    task retries it later.
    """
    if not brand.distribution_id:
        raise BrandMisconfigured(f"Brand {brand.slug!r} has no CloudFront distribution id; set one in the admin.")
    unique = list(dict.fromkeys(paths))
    if not unique:
        return []
    if len(unique) > INVALIDATION_BATCH_MAX:
        unique = covering_wildcards(unique)
    return [_invalidate(brand, unique, caller_reference[:128])]


def covering_wildcards(paths: Sequence[str]) -> list[str]:
    """At most two wildcard paths that together cover every one of ``paths``: ``/g/*`` for the
    viewer paths, and the longest common prefix of the others (object keys) followed by ``*``."""
    viewer = [p for p in paths if p.startswith("/g/")]
    others = [p for p in paths if not p.startswith("/g/")]
    covering = ["/g/*"] if viewer else []
    if others:
        # Character by character on purpose: a CloudFront wildcard is a string prefix, not a directory.
        covering.append(os.path.commonprefix(others).split("*")[0] + "*")  # noqa: RUF071
    return covering


def bulk_caller_reference(brand: Brand, items: Sequence[str]) -> str:
    """A reference naming exactly this set of (code:version) items, for a bulk publish."""
    digest = hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:24]
    return f"bulk:{brand.slug}:{digest}"


def wildcard_paths(brand: Brand) -> list[str]:
    """The two paths that cover every guest page of the brand: ``/g/*`` and the key prefix."""
    prefix = brand.guest_page_key_template.split("{code}")[0]
    return ["/g/*", f"/{prefix}*"]


def _invalidate(brand: Brand, paths: list[str], reference: str) -> str:
    try:
        answer = _cloudfront().create_invalidation(
            DistributionId=brand.distribution_id,
            InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": reference},
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "NoSuchDistribution":
            raise BrandMisconfigured(
                f"Brand {brand.slug!r}: CloudFront distribution {brand.distribution_id!r} does not exist; "
                "fix the distribution id in the admin."
            ) from exc
        raise aws_error(f"CloudFront invalidation on {brand.distribution_id}", exc) from exc
    except BotoCoreError as exc:
        raise GuestPageRemoteError(f"CloudFront unreachable: {exc}", transient=aws_is_transient(exc)) from exc
    return str(answer["Invalidation"]["Id"])


def invalidations_list(brand: Brand) -> list[dict[str, Any]]:
    """Every invalidation on the brand's distribution with its paths (used by tests and checks)."""
    client = _cloudfront()
    found = []
    summaries = client.list_invalidations(DistributionId=brand.distribution_id)["InvalidationList"]
    for summary in summaries.get("Items", []) or []:
        full = client.get_invalidation(DistributionId=brand.distribution_id, Id=summary["Id"])["Invalidation"]
        batch = full["InvalidationBatch"]
        found.append({"id": full["Id"], "reference": batch["CallerReference"], "paths": batch["Paths"]["Items"]})
    return found


# --- the distribution itself -------------------------------------------------------------------


def distribution_exists(brand: Brand) -> bool:
    if not brand.distribution_id:
        return False
    try:
        _cloudfront().get_distribution(Id=brand.distribution_id)
    except ClientError as exc:
        if aws_is_not_found(exc):
            return False
        raise
    return True


def stand_in_distribution_ensure(brand: Brand) -> str:
    """On a local stand-in only: find or create a distribution for the brand; returns its id.

    Refuses on real AWS — a production distribution (certificate, OAC, aliases) is set up
    deliberately, never as a side effect of a bootstrap command.
    """
    if not aws_is_stand_in():
        raise BrandMisconfigured(
            f"Brand {brand.slug!r}: distribution {brand.distribution_id or '(none)'} is missing on real AWS; "
            "create it in CloudFront and put its id on the brand."
        )
    client = _cloudfront()
    comment = STAND_IN_COMMENT.format(slug=brand.slug)
    for item in client.list_distributions()["DistributionList"].get("Items", []) or []:
        if item.get("Comment") == comment:
            return str(item["Id"])
    created = client.create_distribution(DistributionConfig=stand_in_distribution_config(brand))
    return str(created["Distribution"]["Id"])


def stand_in_distribution_config(brand: Brand) -> dict[str, Any]:
    """A minimal DistributionConfig with the brand's bucket as origin (stand-in and tests only)."""
    comment = STAND_IN_COMMENT.format(slug=brand.slug)
    origin_id = f"s3-{brand.bucket}"
    return {
        "CallerReference": comment,
        "Comment": comment,
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": origin_id,
                    "DomainName": f"{brand.bucket}.s3.{brand.region}.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": origin_id,
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
    }


# --- the guest rewrite function ----------------------------------------------------------------


def cloudfront_function_deploy(brand: Brand, *, publish: bool = True) -> dict[str, str]:
    """Create or update the brand's function from its key template, then publish it to LIVE.

    Returns ``{"name", "action", "etag", "stage"}``. Associating the LIVE function with the
    distribution's cache behaviour is a one-time step documented in docs/guest-pages.md.
    """
    client = _cloudfront()
    name = cloudfront_function_name(brand.slug)
    code = cloudfront_function_source(key_template=brand.guest_page_key_template, brand_slug=brand.slug).encode()
    config = {"Comment": f"JADA guest pages: /g/<CODE> for {brand.domain}", "Runtime": RUNTIME}
    try:
        current = client.describe_function(Name=name, Stage="DEVELOPMENT")
    except ClientError as exc:
        if not aws_is_not_found(exc):
            raise
        current = None
    if current is None:
        answer = client.create_function(Name=name, FunctionConfig=config, FunctionCode=code)
        action = "created"
    else:
        try:
            answer = client.update_function(
                Name=name, IfMatch=current["ETag"], FunctionConfig=config, FunctionCode=code
            )
            action = "updated"
        except (ClientError, NotImplementedError):
            if not aws_is_stand_in():
                raise
            # moto has no UpdateFunction: replace it, which real AWS would refuse for a live one.
            client.delete_function(Name=name, IfMatch=current["ETag"])
            answer = client.create_function(Name=name, FunctionConfig=config, FunctionCode=code)
            action = "replaced (stand-in)"
    etag, stage = str(answer["ETag"]), "DEVELOPMENT"
    if publish:
        try:
            published = client.publish_function(Name=name, IfMatch=etag)
            etag, stage = str(published.get("ETag", etag)), "LIVE"
        except ClientError as exc:
            if not aws_is_stand_in():
                raise
            stage = f"DEVELOPMENT (the stand-in cannot publish: {exc.response.get('Error', {}).get('Code')})"
    return {"name": name, "action": action, "etag": etag, "stage": stage}
