"""Deliverability through the real endpoints: the SES tracking webhook (anymail, basic auth) and
the signed one-click unsubscribe link; what a guest message may and may not contain."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx
import pytest

from guestpages.message_send import guest_messages_send
from guestpages.models import GuestDeliveryEvent, GuestMessage, GuestSuppression
from guestpages.tests.messages_support import (
    GUEST,
    at,
    cancel,
    confirm,
    demo_charter,
    guest_mail,
    html_of,
    reschedule,
    send_at,
)

pytestmark = pytest.mark.django_db
SECRET = "ses-events:0123456789abcdef"
TRACKING = "/anymail/amazon_ses/tracking/"


@pytest.fixture
def charter(time_machine: Any, django_capture_on_commit_callbacks: Any) -> Any:
    time_machine.move_to(at(5, 27, 10), tick=False)
    return confirm(demo_charter(), django_capture_on_commit_callbacks)


@pytest.fixture
def webhook_secret(settings: Any) -> str:
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    return SECRET


def _sns(ses_event: dict[str, Any], sns_id: str = "sns-0001") -> tuple[bytes, dict[str, str]]:
    body = {
        "Type": "Notification",
        "MessageId": sns_id,
        "TopicArn": "arn:aws:sns:us-west-2:123456789012:queenofsandiego-ses-events",
        "Message": json.dumps(ses_event),
        "Timestamp": "2026-05-27T17:05:00.000Z",
    }
    headers = {"x-amz-sns-message-type": "Notification", "x-amz-sns-message-id": sns_id}
    return json.dumps(body).encode(), headers


def _ses_event(kind: str, message: GuestMessage, **detail: Any) -> dict[str, Any]:
    mail_object = {
        "messageId": "0100018f-ses-id",
        "destination": [message.to_email],
        "headers": [{"name": "X-Metadata", "value": json.dumps({"guest_message": str(message.pk)})}],
    }
    return {"eventType": kind, "mail": mail_object, **detail}


def _bounce(message: GuestMessage, bounce_type: str = "Permanent") -> dict[str, Any]:
    recipients = [{"emailAddress": message.to_email, "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]
    return _ses_event(
        "Bounce",
        message,
        bounce={"bounceType": bounce_type, "bounceSubType": "General", "bouncedRecipients": recipients},
    )


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}


def test_the_tracking_webhook_answers_503_until_configured_and_401_without_credentials(
    api: httpx.Client, charter: Any, settings: Any
) -> None:
    body, headers = _sns(_bounce(GuestMessage.objects.get(kind="confirmation")))
    unconfigured = api.post(TRACKING, content=body, headers=headers)
    assert unconfigured.status_code == 503
    assert unconfigured.json()["error"].startswith("The delivery-event webhook is not configured")
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    assert api.post(TRACKING, content=body, headers=headers).status_code == 401
    assert api.post(TRACKING, content=body, headers={**headers, **_auth("ses-events:wrong")}).status_code == 400
    assert not GuestSuppression.objects.exists()


def test_a_bounced_address_gets_nothing_more_and_the_bounce_shows_on_the_message(
    api: httpx.Client, charter: Any, webhook_secret: str, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    confirmation = GuestMessage.objects.get(kind="confirmation")
    body, headers = _sns(_bounce(confirmation))
    for _ in range(2):  # SNS may deliver a notification twice
        assert api.post(TRACKING, content=body, headers={**headers, **_auth(webhook_secret)}).status_code == 200
    assert GuestDeliveryEvent.objects.count() == 1
    confirmation.refresh_from_db()
    assert confirmation.state == "bounced" and "General" in confirmation.last_error
    assert GuestSuppression.objects.get().email == GUEST

    assert send_at(time_machine, at(5, 29, 9)) == {}
    assert GuestMessage.objects.get(kind="reminder").last_error == "skipped: the address bounced for Queen of San Diego"
    reschedule(charter, django_capture_on_commit_callbacks, at(6, 2, 15), at(6, 2, 18))  # not even "moved"
    cancel(charter, django_capture_on_commit_callbacks)  # nor "cancelled"
    assert len(guest_mail()) == 1


def test_a_transient_bounce_is_recorded_and_stops_nothing(
    api: httpx.Client, charter: Any, webhook_secret: str, time_machine: Any
) -> None:
    body, headers = _sns(_bounce(GuestMessage.objects.get(kind="confirmation"), "Transient"))
    assert api.post(TRACKING, content=body, headers={**headers, **_auth(webhook_secret)}).status_code == 200
    assert GuestDeliveryEvent.objects.get().event_type == "bounced"
    assert not GuestSuppression.objects.exists()
    assert send_at(time_machine, at(5, 29, 9)) == {"reminder": 1}


def test_a_complaint_stops_that_brands_mail(
    api: httpx.Client, charter: Any, webhook_secret: str, time_machine: Any
) -> None:
    event = _ses_event(
        "Complaint",
        GuestMessage.objects.get(kind="confirmation"),
        complaint={"complainedRecipients": [{"emailAddress": GUEST}], "complaintFeedbackType": "abuse"},
    )
    body, headers = _sns(event, "sns-0002")
    assert api.post(TRACKING, content=body, headers={**headers, **_auth(webhook_secret)}).status_code == 200
    assert GuestSuppression.objects.get().reason == "complained"
    assert send_at(time_machine, at(5, 29, 9)) == {}


def test_a_delivery_event_settles_a_message_a_dead_sender_left_uncertain(
    api: httpx.Client, charter: Any, webhook_secret: str
) -> None:
    confirmation = GuestMessage.objects.get(kind="confirmation")
    GuestMessage.objects.filter(pk=confirmation.pk).update(state="uncertain")
    event = _ses_event("Delivery", confirmation, delivery={"recipients": [GUEST], "smtpResponse": "250 ok"})
    body, headers = _sns(event, "sns-0003")
    assert api.post(TRACKING, content=body, headers={**headers, **_auth(webhook_secret)}).status_code == 200
    confirmation.refresh_from_db()
    assert confirmation.state == "sent"


def test_reminders_carry_one_click_unsubscribe_which_stops_only_the_non_essential_kinds(
    api: httpx.Client, charter: Any, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert send_at(time_machine, at(5, 29, 9)) == {"reminder": 1}
    reminder = guest_mail()[-1]
    link = reminder.extra_headers["List-Unsubscribe"].strip("<>")
    assert reminder.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link.startswith("http://testserver/mail/unsubscribe/") and link in reminder.body
    assert link in html_of(reminder)
    path = link.removeprefix("http://testserver")

    page = api.get(path)  # a mail scanner fetching the link changes nothing
    assert page.status_code == 200 and "Stop reminders from Queen of San Diego?" in page.text
    assert not GuestSuppression.objects.exists()
    one_click = api.post(path, content=b"List-Unsubscribe=One-Click")
    assert one_click.status_code == 200 and "You're unsubscribed" in one_click.text
    assert GuestSuppression.objects.get().reason == "unsubscribed"

    assert send_at(time_machine, at(5, 30, 19)) == {"photo_open": 1}  # photo_open is about their trip
    assert GuestMessage.objects.get(kind="thank_you").state == "skipped"
    time_machine.move_to(at(5, 29, 10), tick=False)
    reschedule(charter, django_capture_on_commit_callbacks, at(6, 2, 15), at(6, 2, 18))
    assert guest_mail()[-1].subject.startswith("Changed:")  # still told that the trip moved

    tampered = re.sub(r"/unsubscribe/(.)", lambda m: "/unsubscribe/" + ("A" if m[1] != "A" else "B"), path)
    assert api.post(tampered).status_code == 404


def test_a_message_shows_no_money_no_internal_or_crew_notes_and_escapes_what_guests_typed(
    time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    time_machine.move_to(at(5, 27, 10), tick=False)
    charter = demo_charter()
    charter.guest_name = "<script>alert(1)</script> Avery"  # the greeting uses the first word
    charter.guest_notes = "Birthday! <b>cake</b> & candles"
    charter.save()
    confirm(charter, django_capture_on_commit_callbacks)
    [message] = guest_mail()
    html = html_of(message)
    everything = f"{message.subject}\n{message.body}\n{html}"
    for secret in ("1,450", "1450", "217.50", "300", "1,232", "$", "payout", "Revenue", "coolers", "captain fee"):
        assert secret not in everything, secret
    assert "<script>" not in html and "Hello &lt;script&gt;alert(1)&lt;/script&gt;," in html
    assert "&lt;b&gt;cake&lt;/b&gt; &amp; candles" in html
    assert "Birthday! <b>cake</b> & candles" in message.body  # plain text is plain
    assert "Dana" not in everything and "Marco" not in everything  # nor who crews it


def test_sending_only_the_due_rows_named_leaves_the_others(charter: Any) -> None:
    reminder = GuestMessage.objects.get(kind="reminder")
    assert dict(guest_messages_send(ids=[reminder.pk]).sent) == {}  # not due yet: nothing
