"""The guest-message endpoints: the signed unsubscribe link and the SES tracking webhook.

Thin: each checks what the request proves and calls one service in ``message_delivery``.
"""

from __future__ import annotations

from typing import Any

from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from guestpages.message_delivery import guest_address_suppress, unsubscribe_token_read
from guestpages.message_models import SuppressionReason

_ses_tracking = AmazonSESTrackingWebhookView.as_view()


def _brand_model() -> Any:
    return apps.get_model("bookings", "Brand")  # by name: guestpages never imports bookings


@csrf_exempt  # the signed token is the authority; mail clients POST one-click without a CSRF token
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (scanners fetch links); POST — the button or RFC 8058 one-click — acts."""
    found = unsubscribe_token_read(token)
    brand = _brand_model().objects.filter(pk=found[0]).first() if found else None
    if found is None or brand is None:
        return render(request, "guestpages/unsubscribe.html", {"invalid": True}, status=404)
    context = {"brand": brand, "email": found[1], "done": False}
    if request.method == "POST":
        guest_address_suppress(brand=brand, email=found[1], reason=SuppressionReason.UNSUBSCRIBED, detail="link")
        context["done"] = True
    response = render(request, "guestpages/unsubscribe.html", context)
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt
def ses_tracking(request: HttpRequest) -> HttpResponse:
    """``/anymail/amazon_ses/tracking/``: anymail's view behind its basic auth, or 503 unconfigured."""
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        return JsonResponse(
            {"error": "The delivery-event webhook is not configured: set ANYMAIL_WEBHOOK_SECRET (user:password)."},
            status=503,
        )
    response: HttpResponse = _ses_tracking(request)
    return response
