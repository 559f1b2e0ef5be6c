"""``POST /api/intake/email`` (``X-Intake-Token``) and the busy feeds marketplaces import.

Thin: the token check is one small function, the work is ``intake_email_receive`` /
``busy_feed_ics``. Every refusal is JSON (``{"error", "field"}``); no body, however odd, is a 500.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from intake.busy import busy_feed_ics, listing_for_feed
from intake.services import MAX_MESSAGE_BYTES, IntakeError, intake_email_receive

ACCEPTED_TYPES = {"message/rfc822", "text/plain", "application/octet-stream"}


def intake_token_valid(presented: str | None) -> bool:
    """Constant-time comparison of hashes, so neither length nor odd bytes can leak or raise."""
    expected = settings.INTAKE_TOKEN
    if not expected or presented is None:
        return False
    got = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).digest()
    return hmac.compare_digest(got, hashlib.sha256(expected.encode("utf-8")).digest())


def _error(status: int, message: str, field: str = "") -> JsonResponse:
    return JsonResponse({"error": message, "field": field}, status=status)


@csrf_exempt
def intake_email(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _error(405, "Use POST with the raw message as the body.")
    if not settings.INTAKE_TOKEN:
        return _error(503, "E-mail intake is not configured: INTAKE_TOKEN is not set on the server.")
    if not intake_token_valid(request.META.get("HTTP_X_INTAKE_TOKEN")):
        return _error(401, "Missing or wrong X-Intake-Token.", "X-Intake-Token")
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        return _error(415, "Send the raw message with Content-Type: message/rfc822.", "Content-Type")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_MESSAGE_BYTES:
        return _error(413, f"The message is larger than {MAX_MESSAGE_BYTES} bytes.", "body")
    try:
        outcome = intake_email_receive(raw=request.read(MAX_MESSAGE_BYTES + 1), via="api")
    except IntakeError as exc:
        return _error(413 if exc.code == "too_large" else 400, exc.message, "body")
    charter = outcome.charter
    return JsonResponse(
        {
            "outcome": outcome.text,
            "message": outcome.message.pk,
            "state": outcome.message.state,
            "charter": charter.code if charter else None,
        },
        status=202,
    )


@require_GET
def busy_feed(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    listing = listing_for_feed(slug=slug, token=token)
    if listing is None:
        raise Http404("No such feed.")
    response = HttpResponse(busy_feed_ics(listing=listing), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
