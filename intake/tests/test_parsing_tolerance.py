"""The parsers read labels, not layouts: forwards, quoting, reordered labels, extra lines, attachments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bookings.models import Charter
from intake.email_text import message_text
from intake.tests.conftest import sample

pytestmark = pytest.mark.django_db
LA = ZoneInfo("America/Los_Angeles")

BOATSETTER_TEXT = """Hi Sail JADA,

Great news! Your booking is confirmed.

Booking #4829113
Boat: JADA - 47' Catalina Sailboat
Renter: Jordan Avery
Renter phone: +1 (619) 555-0188
Trip date: Saturday, May 29, 2027
Departure time: 2:00 PM (PDT)
Return time: 5:00 PM (PDT)
Passengers: 6

Booking total: $1,450.00
Boatsetter service fee: -$217.50
Your earnings: $1,232.50
"""


def _forwarded_by_a_person() -> bytes:
    message = EmailMessage()
    message["From"] = "Office <office@sailjada.com>"
    message["To"] = "bookings@sailjada.com"
    message["Subject"] = "Fwd: Booking confirmed: JADA on Sat, May 29, 2027 (#4829113)"
    quoted = "\n".join(f"> {line}" if line else ">" for line in BOATSETTER_TEXT.splitlines())
    message.set_content(
        "FYI, this one came to my inbox.\n\n---------- Forwarded message ---------\n"
        "From: Boatsetter <no-reply@boatsetter.com>\nDate: Mon, Apr 12, 2027 at 9:14 AM\n"
        "Subject: Booking confirmed: JADA on Sat, May 29, 2027 (#4829113)\nTo: <bookings@sailjada.com>\n\n" + quoted
    )
    return message.as_bytes()


def _reordered_with_extra_lines() -> bytes:
    lines = BOATSETTER_TEXT.splitlines()
    labels = [line for line in lines if ":" in line and not line.startswith("Hi")]
    body = (
        "Hello!\nSomething new in our app: dark mode.\n\n"
        + "\n".join(reversed(labels))
        + "\n\nBooking #4829113\nThanks\n"
    )
    message = EmailMessage()
    message["From"] = "Boatsetter <no-reply@boatsetter.com>"
    message["Subject"] = "Your booking is confirmed"
    message.set_content(body, cte="base64")
    return message.as_bytes().replace(b"\n", b"\r\n")


def _attached_original() -> bytes:
    original = EmailMessage()
    original["From"] = "Boatsetter <no-reply@boatsetter.com>"
    original["Subject"] = "Booking confirmed: JADA on Sat, May 29, 2027 (#4829113)"
    original.set_content(BOATSETTER_TEXT, cte="quoted-printable")
    cover = EmailMessage()
    cover["From"] = "Office <office@sailjada.com>"
    cover["Subject"] = "Fwd: see attached"
    cover.set_content("Forwarding as attachment.")
    cover.add_attachment(original)
    return cover.as_bytes()


@pytest.mark.parametrize(
    "build", [_forwarded_by_a_person, _reordered_with_extra_lines, _attached_original], ids=lambda f: f.__name__
)
def test_the_confirmation_is_understood_however_it_arrives(
    demo: Any, intake_email: Callable[..., str], build: Callable[[], bytes]
) -> None:
    out = intake_email(build())
    charter = Charter.objects.get(marketplace_booking_id="4829113")
    assert out == f"created {charter.code}"
    assert (charter.source, charter.vessel.name, charter.party_size, charter.guest_name) == (
        "boatsetter",
        "JADA",
        6,
        "Jordan Avery",
    )
    assert (charter.starts_at, charter.ends_at) == (
        datetime(2027, 5, 29, 14, 0, tzinfo=LA),
        datetime(2027, 5, 29, 17, 0, tzinfo=LA),
    )
    assert str(charter.gross_revenue) == "1450.00" and str(charter.payout) == "1232.50"


def test_html_part_alone_reads_as_labels(demo: Any) -> None:
    raw = sample("boatsetter-confirmed.eml")
    html_only = raw.split(b"--===============6422050269675946548==")[2]
    text = message_text(
        b"From: Boatsetter <no-reply@boatsetter.com>\nSubject: Booking confirmed\nMIME-Version: 1.0\n"
        + html_only.lstrip(b"\n")
    )
    assert "Passengers\t6" in text.text and "Booking total\t$1,450.00" in text.text
