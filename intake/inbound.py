"""Amazon SES inbound mail through django-anymail: receipt rule → (S3) → SNS → this webhook.

Anymail authenticates the webhook with the shared secret in its URL (basic auth,
``ANYMAIL_WEBHOOK_SECRET``) but does not verify SNS signatures, so the view also refuses any SNS
topic not in ``INTAKE_SES_TOPIC_ARNS``. SNS waits only about 15 s for an answer: the handler
only stores the raw message and enqueues its processing after commit (docs/intake.md has the
SES and SNS set-up).
"""

from __future__ import annotations

import json
from typing import Any

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.signals import AnymailInboundEvent, inbound
from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse

from intake.services import IntakeError, intake_message_store


class SesInboundView(AmazonSESInboundWebhookView):
    """Anymail's SES inbound webhook, refusing unconfigured auth (503) and unknown SNS topics."""

    warn_if_no_basic_auth = False  # we answer 503 instead of serving an open webhook

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.basic_auth or not settings.INTAKE_SES_TOPIC_ARNS:
            return JsonResponse(
                {"error": "SES inbound is not configured: set ANYMAIL_WEBHOOK_SECRET and INTAKE_SES_TOPIC_ARNS."},
                status=503,
            )
        return super().post(request, *args, **kwargs)

    def validate_request(self, request: HttpRequest) -> None:
        super().validate_request(request)
        try:
            topic = json.loads(request.body.decode("utf-8")).get("TopicArn")
        except (ValueError, UnicodeDecodeError, AttributeError):
            topic = None
        if topic not in settings.INTAKE_SES_TOPIC_ARNS:
            raise AnymailWebhookValidationFailure(f"SNS topic {topic!r} is not in INTAKE_SES_TOPIC_ARNS.")


@receiver(inbound, dispatch_uid="intake-ses-inbound")
def intake_inbound_received(sender: Any, event: AnymailInboundEvent, esp_name: str, **kwargs: Any) -> None:
    """Store the raw message now; parse it in a task (the handler must answer SNS quickly)."""
    from intake import tasks

    try:
        message, created = intake_message_store(raw=event.message.as_bytes(), via="ses")
    except IntakeError:
        return
    if created:
        transaction.on_commit(lambda: tasks.intake_message_process.delay(message.pk))
