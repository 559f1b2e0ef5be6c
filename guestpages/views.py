"""The local preview of published guest pages: ``/g/<anything>`` on a brand's host name.

``make run`` serves each brand's pages the way CloudFront would: the brand comes from the Host
header (``<slug>.localhost[:port]``, or the brand's own domain), the path goes through the same
mapping the brand's CloudFront Function is generated from, and the object is streamed from that
brand's bucket. Staff therefore see exactly the bytes guests get; anything the edge would refuse,
or a host that names no brand, is a 404 here too.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from guestpages.cloudfront import guest_path_to_key
from guestpages.models import GuestPage
from jada.aws import aws_client, aws_is_not_found

LOCAL_SUFFIX = ".localhost"


def _brand_for_host(host: str) -> Any:
    """The brand whose site this host name is, or None (the port, if any, is ignored)."""
    name = host.rsplit(":", 1)[0].lower().rstrip(".") if not host.startswith("[") else ""
    charter_model: Any = GuestPage._meta.get_field("charter").related_model
    brand_model: Any = charter_model._meta.get_field("brand").related_model
    if name.endswith(LOCAL_SUFFIX):
        return brand_model.objects.filter(slug=name[: -len(LOCAL_SUFFIX)]).first()
    if name.startswith("www."):
        name = name[4:]
    return brand_model.objects.filter(domain__iexact=name).first() if name else None


@require_safe
def guest_page_preview(request: HttpRequest, rest: str = "") -> HttpResponse | StreamingHttpResponse:
    brand = _brand_for_host(request.get_host())
    if brand is None:
        raise Http404("This host is not a brand's site.")
    key = guest_path_to_key(request.path, brand.guest_page_key_template)
    if key is None:
        raise Http404("Not a guest page address.")
    try:
        found = aws_client("s3", region=brand.region).get_object(Bucket=brand.bucket, Key=key)
    except ClientError as exc:
        if aws_is_not_found(exc):
            raise Http404("No page is published at this address.") from exc
        return HttpResponse(f"The bucket refused: {exc}", status=502, content_type="text/plain; charset=utf-8")
    except BotoCoreError as exc:
        return HttpResponse(f"The bucket is unreachable: {exc}", status=502, content_type="text/plain; charset=utf-8")
    body = found["Body"]
    response = StreamingHttpResponse(body.iter_chunks(64 * 1024), content_type=found.get("ContentType", "text/html"))
    response["Cache-Control"] = found.get("CacheControl") or "no-cache"
    response["X-Guest-Page-Key"] = key
    return response
