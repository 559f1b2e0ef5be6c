"""The public photo-upload API the published guest pages call (``PUBLIC_API_URL``).

``POST /api/guest/<CODE>/photo-upload`` with JSON ``{"content_type": "image/jpeg", "size": 123456,
"filename": "IMG_1.jpg"}`` answers 200 ``{"url", "fields", "key", "expires_in", "max_bytes"}`` (a
presigned S3 POST for one photo); 403 outside the photo window (``state`` ``not_open`` with
``opens_at``, or ``closed``); 404 for an unknown code; 400 naming the bad field; 429 when the
client asked too often. ``POST /api/guest/<CODE>/photo-uploaded`` with ``{"key": ...}`` records
the photo once it is in the bucket (see ``guestpages.photos``).

No cookies, no session: CSRF does not apply, and CORS answers only the brand's own site. The rate
limit is per client address in Django's cache, checked before the code is looked up, so it also
slows anyone guessing codes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from guestpages.errors import GuestPageError
from guestpages.models import GuestPhoto
from guestpages.photos import PhotoWindowClosed, guest_photo_record, photo_upload_grant, window_refusal
from guestpages.render import PHOTO_CONTENT_TYPES, PHOTO_MAX_BYTES
from guestpages.storage import brand_origin_allowed
from guestpages.window import photo_window
from jada.errors import JadaError, RemoteError
from jada.ratelimit import attempt_count, client_address

CODE_RE = re.compile(r"[A-Za-z0-9]{4,16}")
BODY_MAX_BYTES = 4096
RATE_LIMIT_DEFAULT = 60  # requests per client per window, both endpoints together
RATE_WINDOW_SECONDS = 600


def _error(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _rate_limited(request: HttpRequest) -> bool:
    limit = int(getattr(settings, "GUEST_PHOTO_RATE_LIMIT", RATE_LIMIT_DEFAULT))
    count = attempt_count(scope="guest-photo", subject=client_address(request), window_seconds=RATE_WINDOW_SECONDS)
    return count > limit


def _charter(code: str) -> Any:
    """The charter with this code, reached through our own foreign key (never importing bookings)."""
    if not CODE_RE.fullmatch(code):
        return None
    charter_model: Any = GuestPhoto._meta.get_field("charter").related_model
    return charter_model.objects.select_related("brand", "vessel").filter(code=code.upper()).first()


def _with_cors(request: HttpRequest, response: HttpResponse, charter: Any) -> HttpResponse:
    origin = request.META.get("HTTP_ORIGIN", "")
    response["Vary"] = "Origin"
    if charter is not None and origin and brand_origin_allowed(charter.brand, origin):
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
    return response


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > BODY_MAX_BYTES:
        raise _FieldError("body", f"The request body is larger than {BODY_MAX_BYTES} bytes.")
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _FieldError("body", "The request body must be a JSON object.") from None
    if not isinstance(data, dict):
        raise _FieldError("body", "The request body must be a JSON object.")
    return data


class _FieldError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _upload_request(data: dict[str, Any]) -> str:
    content_type = data.get("content_type")
    if not isinstance(content_type, str) or content_type.lower() not in PHOTO_CONTENT_TYPES:
        raise _FieldError("content_type", f"content_type must be one of {', '.join(PHOTO_CONTENT_TYPES)}.")
    size = data.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= PHOTO_MAX_BYTES:
        raise _FieldError("size", f"size must be the photo's size in bytes, from 1 to {PHOTO_MAX_BYTES} (25 MB).")
    filename = data.get("filename", "")
    if not isinstance(filename, str) or len(filename) > 255:
        raise _FieldError("filename", "filename must be text of at most 255 characters.")
    return content_type.lower()


def _guarded(request: HttpRequest, code: str, handle: Any) -> HttpResponse:
    """Method, CORS preflight, rate limit, code lookup and error mapping shared by both endpoints."""
    if request.method == "OPTIONS":
        return _with_cors(request, HttpResponse(status=204), _charter(code))
    if request.method != "POST":
        response = _error(405, "Use POST.")
        response["Allow"] = "POST, OPTIONS"
        return response
    if _rate_limited(request):
        response = _error(429, "Too many requests from this device; wait a few minutes and try again.")
        response["Retry-After"] = str(RATE_WINDOW_SECONDS)
        return response
    charter = _charter(code)
    if charter is None:
        return _error(404, "No charter has that code.")
    try:
        response = handle(charter, request)
    except _FieldError as exc:
        response = _error(400, exc.message, field=exc.field)
    except PhotoWindowClosed as exc:
        window = exc.window
        response = _error(
            403,
            exc.message,
            state=window.state,
            opens_at=window.opens_at.isoformat(),
            closes_at=window.closes_at.isoformat(),
        )
    except RemoteError as exc:
        response = _error(503, "The photo store is not answering; try again in a minute.", detail=exc.code)
    except GuestPageError as exc:
        response = _error(400, exc.message, field=exc.code)
    except JadaError as exc:
        response = _error(503, exc.message)
    return _with_cors(request, response, charter)


def _upload(charter: Any, request: HttpRequest) -> HttpResponse:
    window = photo_window(charter)
    if not window.is_open:  # refuse before reading the body: the page only needs to know when
        raise window_refusal(window)
    content_type = _upload_request(_json_body(request))
    grant = photo_upload_grant(charter=charter, content_type=content_type)
    return JsonResponse(grant.as_json())


def _uploaded(charter: Any, request: HttpRequest) -> HttpResponse:
    key = _json_body(request).get("key")
    if not isinstance(key, str) or not key:
        raise _FieldError("key", "key must be the key the upload grant returned.")
    photo = guest_photo_record(charter=charter, key=key)
    return JsonResponse({"key": photo.object_key, "content_type": photo.content_type, "size": photo.size_bytes})


@csrf_exempt
def photo_upload(request: HttpRequest, code: str) -> HttpResponse:
    return _guarded(request, code, _upload)


@csrf_exempt
def photo_uploaded(request: HttpRequest, code: str) -> HttpResponse:
    return _guarded(request, code, _uploaded)
