"""Each brand's bucket, reached only through the brand's own row.

The rule it keeps: a storage is built from one ``Brand`` row's bucket and region and nothing
else — there is no global bucket setting to fall back to — so a brand whose bucket is missing
fails with a clear error instead of publishing to another brand's site.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from guestpages.errors import BrandMisconfigured
from jada.aws import aws_client


def brand_bucket_ensure(brand: Any) -> bool:
    """Create the brand's bucket if missing and set CORS so the brand's site may POST photos.

    Returns True when the bucket was created. Safe to run any number of times.
    """
    if not brand.bucket:
        raise BrandMisconfigured(f"Brand {brand.slug!r} has no bucket; set one in the admin.")
    s3 = aws_client("s3", region=brand.region)
    created = False
    try:
        s3.head_bucket(Bucket=brand.bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket", "NotFound"}:
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
                    "AllowedOrigins": [f"https://{brand.domain}", f"https://www.{brand.domain}"],
                    "AllowedMethods": ["POST"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag", "Location"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )
    return created
