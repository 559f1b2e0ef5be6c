"""Every financial form, each inside an operational sentence, reaches no crew-facing path — and a held notice.

The forms are the ones the issue lists. They go in through the real SCC API (real client, real
WSGI app, DynamoDB in moto) and are looked for where crew could see them: the stored item, the
API response, the crew e-mail, the portal's list and event pages, and the calendar feed. The
operational numbers of the same sentences must all be there, digit for digit.

The hold: a note the independent detector flags but the scrubber leaves alone is stored as it
is, and then no e-mail goes out — the notice is held, an ERROR is logged, the item is marked
``delivery_state=failed``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from crew import dynamo
from crew.client import SccClient
from crew.models import CrewMember, CrewNotification
from crew.money_check import money_findings
from crew.tests import scc_support
from crew.tests.portal_support import in_days, sign_in
from crew.tests.scc_support import event_payload

pytestmark = pytest.mark.django_db
_forget_verified_keys = scc_support._forget_verified_keys
table, wsgi, scc = scc_support.table, scc_support.wsgi, scc_support.scc

# (form as typed, amounts that must not reach crew)
FORMS: list[tuple[str, tuple[str, ...]]] = [
    ("Fee:310", ("310",)),
    ("revenue:1451", ("1451",)),
    ("rev: 1452", ("1452",)),
    ("CF 320", ("320",)),
    ('{"price": 330}', ("330",)),
    ('"captain_fee": "340"', ("340",)),
    ("1,453.00 total", ("1,453",)),
    ("350-410 dollars", ("350", "410")),
    ("$360–420", ("360", "420")),
    ("1 454 €", ("1 454",)),
    ("1'455 CHF", ("1'455",)),
    ("370,-", ("370",)),
    ("1456/day", ("1456",)),
    ("tip 51-101", ("51", "101")),
    ("55 pct tip", ("55",)),
    ("151 pp", ("151",)),
    ("380 francs", ("380",)),
    ("Fr. 390", ("390",)),
    ("1457 (USD)", ("1457",)),
    ("revenue (1458)", ("1458",)),
    ("Captain fee\n430", ("430",)),
    ("captain gets 440", ("440",)),
    ("450 to the captain", ("450",)),
    ("fifteen hundred dollars", ("fifteen",)),
    ("five hundred dollars", ("five",)),
    ("a grand", ("grand",)),
    ("1.459,00 €", ("1.459",)),
    ("CHF 1'461.–", ("1'461",)),
    ("£1.3k", ("1.3k",)),
    ("460$", ("460",)),
    ("470 (USD)", ("470",)),
]
SENTENCES = [
    (f"Meet at dock {n + 2} at {8 + n % 12:02d}:{15 * (n % 4):02d}, {form}. Party of {n % 9 + 2}.", form)
    for n, (form, _) in enumerate(FORMS)
]
NOTES = "\n".join(sentence for sentence, _ in SENTENCES)
OPERATIONAL = [f"Meet at dock {n + 2} at {8 + n % 12:02d}:{15 * (n % 4):02d}" for n in range(len(FORMS))] + [
    f"Party of {n % 9 + 2}" for n in range(len(FORMS))
]


def _amount_seen(amount: str, text: str) -> bool:
    return re.search(rf"(?<![\w,.']){re.escape(amount)}(?![\w,'])", text, re.IGNORECASE) is not None


def _assert_crew_safe(name: str, text: str) -> None:
    for form, amounts in FORMS:
        for amount in amounts:
            assert not _amount_seen(amount, text), f"{form!r}: {amount!r} reached the {name}"
    for words in ("revenue", "captain fee", "captain_fee", "price", "francs", "CHF", "USD", "$", "€", "£"):
        assert words.lower() not in text.lower(), f"{words!r} reached the {name}"
    for operational in OPERATIONAL:
        assert operational.lower() in text.lower(), f"{operational!r} lost from the {name}"


def test_every_form_reaches_no_crew_facing_path(
    scc: SccClient,
    table: Any,
    ana: CrewMember,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with pytest.raises(AssertionError):
        _assert_crew_safe("raw notes", NOTES)  # the check bites on what was typed
    crew = [{"email": ana.email, "name": ana.name, "role": "captain"}]
    starts = in_days(3)
    payload = event_payload(
        notes=NOTES,
        crew=crew,
        starts_at=starts.isoformat(),
        ends_at=starts.replace(hour=18).isoformat(),
        revenue=1450,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = scc.event_upsert(payload)
    item = dynamo.crew_event_item(response["id"])
    assert item is not None and item["delivery_state"] == "notified"
    assert money_findings(item["notes"]) == [] and dynamo.crew_item_problems(item) == []
    _assert_crew_safe("DynamoDB item", item["notes"])
    _assert_crew_safe("API response", response["notes"])
    assert "revenue" not in response and "revenue" not in item

    # The crew e-mail of a new event does not carry notes; the portal and feed do.
    assert [m.to for m in mail.outbox] == [[ana.email]]
    assert money_findings(mail.outbox[0].body.split("http")[0]) == []

    sign_in(client, ana)
    page = client.get(f"/crew/events/{response['id']}/").content.decode()
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)>.*?</\1>", " ", page, flags=re.DOTALL))
    _assert_crew_safe("portal event page", visible.replace("&#x27;", "'").replace("&quot;", '"'))

    client.post("/crew/feed/rotate/")
    feed_path = re.search(
        r'value="http://testserver(/crew/feed/[A-Za-z0-9_-]+\.ics)"', client.get("/crew/").content.decode()
    )
    assert feed_path is not None
    ics = Client().get(feed_path.group(1)).content.decode()
    unfolded = ics.replace("\r\n ", "").replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";")
    description = unfolded.split("DESCRIPTION:", 1)[1].split("\r\n", 1)[0]
    _assert_crew_safe("calendar feed", description)


def test_a_note_the_detector_flags_holds_the_notice(
    scc: SccClient,
    table: Any,
    ana: CrewMember,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    note = "Meet at dock 7 at 14:00. 1450 after fees were taken."
    crew = [{"email": ana.email, "name": ana.name, "role": "captain"}]
    with caplog.at_level(logging.ERROR, logger="crew.notifications"), django_capture_on_commit_callbacks(execute=True):
        response = scc.event_upsert(event_payload(notes=note, crew=crew))
    item = dynamo.crew_event_item(response["id"])
    assert item is not None and item["notes"] == note  # the scrubber let it through …
    assert mail.outbox == []  # … the detector held the notice
    assert item["delivery_state"] == "failed"
    (held,) = CrewNotification.objects.all()  # the outbox row stays, held, with the reason
    assert held.state == "held" and 'financial term "fees" near "1450"' in held.last_error
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and 'financial term "fees" near "1450"' in errors[0].getMessage()
    assert "NO e-mail sent" in errors[0].getMessage()
