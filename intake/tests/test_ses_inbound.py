"""Amazon SES inbound through django-anymail: SNS notification → raw message stored → processed in a task."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from bookings.models import Charter
from intake.models import IntakeMessage, MessageState
from intake.tests.conftest import sample

pytestmark = pytest.mark.django_db
TOPIC = "arn:aws:sns:us-west-2:123456789012:jada-inbound"
URL = "/anymail/amazon_ses/inbound/"


def _notification(raw: bytes, topic: str = TOPIC) -> dict[str, Any]:
    ses_event = {
        "notificationType": "Received",
        "mail": {"messageId": "ses-1", "source": "no-reply@boatsetter.com", "timestamp": "2027-04-12T16:14:07.000Z"},
        "receipt": {
            "recipients": ["bookings@sailjada.com"],
            "spamVerdict": {"status": "PASS"},
            "action": {"type": "SNS", "topicArn": topic, "encoding": "BASE64"},
        },
        "content": base64.b64encode(raw).decode(),
    }
    return {"Type": "Notification", "MessageId": "sns-1", "TopicArn": topic, "Message": json.dumps(ses_event)}


def _post(client: Client, body: dict[str, Any], auth: str = "ses:webhook-secret") -> Any:
    return client.post(
        URL,
        data=json.dumps(body),
        content_type="text/plain",
        HTTP_X_AMZ_SNS_MESSAGE_TYPE=body["Type"],
        HTTP_X_AMZ_SNS_MESSAGE_ID=body["MessageId"],
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(auth.encode()).decode(),
    )


@pytest.fixture
def configured(settings: Any) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "ses:webhook-secret"}
    settings.INTAKE_SES_TOPIC_ARNS = [TOPIC]


def test_ses_inbound_stores_then_processes_the_message(
    demo: Any, configured: None, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, _notification(sample("boatsetter-confirmed.eml")))
    assert response.status_code == 200
    message = IntakeMessage.objects.get()
    assert (message.via, message.state) == ("ses", MessageState.PROCESSED)
    charter = Charter.objects.get(marketplace_booking_id="4829113")
    assert message.outcome == f"created {charter.code}"


def test_ses_inbound_refuses_unknown_topics_bad_auth_and_missing_configuration(
    demo: Any, settings: Any, client: Client
) -> None:
    assert _post(client, _notification(sample("boatsetter-confirmed.eml"))).status_code == 503
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "ses:webhook-secret"}
    settings.INTAKE_SES_TOPIC_ARNS = [TOPIC]
    other = "arn:aws:sns:us-west-2:999999999999:someone-else"
    assert _post(client, _notification(sample("boatsetter-confirmed.eml"), topic=other)).status_code == 400
    assert _post(client, _notification(sample("boatsetter-confirmed.eml")), auth="ses:wrong").status_code == 400
    assert not IntakeMessage.objects.exists()
