"""The public photo-upload API the published guest pages call (``PUBLIC_API_URL``), a router of ``jada.api``.

``POST /api/guest/<CODE>/photo-upload`` with JSON ``{"content_type": "image/jpeg", "size": 123456,
"filename": "IMG_1.jpg"}`` answers 200 ``{"url", "fields", "key", "expires_in", "max_bytes"}`` (a
presigned S3 POST for one photo); 403 outside the photo window (``state`` ``not_open`` with
``opens_at``, or ``closed``); 404 for an unknown code; 400 naming the bad field; 429 when the
client asked too often. ``POST /api/guest/<CODE>/photo-uploaded`` with ``{"key": ...}`` records
the photo once it is in the bucket (see ``guestpages.photos``).

No cookies, no session: CSRF does not apply, and CORS (``guestpages.cors``) answers only the
brand's own site. The rate limit is per client address in Django's cache, checked before the code
is looked up, so it also slows anyone guessing codes.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from pydantic import StrictInt, StrictStr, field_validator

from guestpages.models import GuestPhoto
from guestpages.photos import guest_photo_record, photo_upload_grant, window_refusal
from guestpages.render import PHOTO_CONTENT_TYPES, PHOTO_MAX_BYTES
from guestpages.window import photo_window
from jada.api import ClientThrottle, not_allowed
from jada.errors import FieldError, NotFoundError

CODE_RE = re.compile(r"[A-Za-z0-9]{4,16}")
RATE_LIMIT_DEFAULT = 60  # requests per client per window, both endpoints together
RATE_WINDOW_SECONDS = 600


def charter_by_code(code: str) -> Any:
    """The charter with this code, reached through our own foreign key (never importing bookings)."""
    if not CODE_RE.fullmatch(code):
        return None
    charter_model: Any = GuestPhoto._meta.get_field("charter").related_model
    return charter_model.objects.select_related("brand", "vessel").filter(code=code.upper()).first()


def _charter(code: str) -> Any:
    charter = charter_by_code(code)
    if charter is None:
        raise NotFoundError("No charter has that code.")
    return charter


class PhotoUploadIn(Schema):
    content_type: StrictStr = Field(..., description=f"one of {', '.join(PHOTO_CONTENT_TYPES)}")
    size: StrictInt = Field(..., description=f"the photo's size in bytes, 1 to {PHOTO_MAX_BYTES}")
    filename: StrictStr = Field("", max_length=255)

    @field_validator("content_type")
    @classmethod
    def content_type_accepted(cls, value: str) -> str:
        if value.lower() not in PHOTO_CONTENT_TYPES:
            raise ValueError(f"content_type must be one of {', '.join(PHOTO_CONTENT_TYPES)}.")
        return value.lower()

    @field_validator("size")
    @classmethod
    def size_accepted(cls, value: int) -> int:
        if not 0 < value <= PHOTO_MAX_BYTES:
            raise ValueError(f"size must be the photo's size in bytes, from 1 to {PHOTO_MAX_BYTES} (25 MB).")
        return value


class PhotoUploadedIn(Schema):
    key: StrictStr | None = Field(None, description="the key the upload grant returned")


# Both endpoints count together, per client address, before the code is even looked up.
_throttle = ClientThrottle(
    scope="guest-photo",
    limit=lambda: int(getattr(settings, "GUEST_PHOTO_RATE_LIMIT", RATE_LIMIT_DEFAULT)),
    window_seconds=RATE_WINDOW_SECONDS,
)
router = Router(tags=["guest photos"])


@router.post("/{code}/photo-upload", url_name="photo-upload", throttle=_throttle, summary="A presigned POST")
def photo_upload(request: HttpRequest, code: str, payload: PhotoUploadIn) -> dict[str, Any]:
    charter = _charter(code)
    window = photo_window(charter)
    if not window.is_open:
        raise window_refusal(window)
    return photo_upload_grant(charter=charter, content_type=payload.content_type).as_json()


@router.post("/{code}/photo-uploaded", url_name="photo-uploaded", throttle=_throttle, summary="Record a photo")
def photo_uploaded(request: HttpRequest, code: str, payload: PhotoUploadedIn) -> dict[str, Any]:
    charter = _charter(code)
    if not payload.key:
        raise FieldError("key", "key must be the key the upload grant returned.")
    photo = guest_photo_record(charter=charter, key=payload.key)
    return {"key": photo.object_key, "content_type": photo.content_type, "size": photo.size_bytes}


def _preflight(request: HttpRequest, code: str) -> HttpResponse:
    return HttpResponse(status=204)  # guestpages.cors adds the headers for the brand's own site


for _path in ("/{code}/photo-upload", "/{code}/photo-uploaded"):
    router.api_operation(["OPTIONS"], _path, include_in_schema=False)(_preflight)
    not_allowed(router, _path, ("POST", "OPTIONS"))
