"""Scrubbing: no generated financial value survives into crew-facing output; operational numbers do."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crew.crew_facing import crew_facing
from crew.scrub import REMOVED, scrub_text, text_is_clean

FINANCIAL_WORDS = [
    "revenue", "fee", "payout", "price", "rate", "tip", "deposit", "balance", "commission",
    "total", "cost", "paid", "owed", "Revenue", "Captain fee", "TIP", "Deposit",
]  # fmt: skip
OPERATIONAL = ["dock 7", "party of 6", "14:00", "slip B-12", "2 coolers", "dock 12", "party of 14", "09:30"]


def _grouped(n: int) -> str:
    return f"{n:,}"


@st.composite
def amounts(draw: Any) -> tuple[str, str]:
    """(how it is written, the digits that must not survive)."""
    whole = draw(st.integers(min_value=100, max_value=999_999))
    cents = draw(st.integers(min_value=0, max_value=99))
    thousands = draw(st.integers(min_value=1, max_value=99))
    tenth = draw(st.integers(min_value=1, max_value=9))
    forms = [
        (f"${_grouped(whole)}", _grouped(whole)),
        (f"${whole}.{cents:02d}", str(whole)),
        (f"$ {whole}", str(whole)),
        (f"{_grouped(whole)} USD", _grouped(whole)),
        (f"USD {whole}", str(whole)),
        (f"usd{whole}", str(whole)),
        (f"€{whole}", str(whole)),
        (f"{whole}€", str(whole)),
        (f"£{_grouped(whole)}", _grouped(whole)),
        (f"{whole} dollars", str(whole)),
        # small numbers also occur in operational text (B-12): here the written form must go
        (f"{thousands}.{tenth}k", f"{thousands}.{tenth}k"),
        (f"{thousands}K", f"{thousands}K"),
        (f"US${whole}", str(whole)),
        (f"-${whole}", str(whole)),
    ]
    return draw(st.sampled_from(forms))


@st.composite
def attached(draw: Any) -> tuple[str, str]:
    """A bare number attached to a financial word, in the ways notes are typed."""
    number = draw(st.integers(min_value=100, max_value=999_999))
    word = draw(st.sampled_from(FINANCIAL_WORDS))
    glue = draw(st.sampled_from([" ", ": ", " = ", " was ", " of ", " is about ", " - ", " due "]))
    shape = draw(st.sampled_from(["word-number", "number-word", "percent"]))
    if shape == "word-number":
        return f"{word}{glue}{number}", str(number)
    if shape == "percent":
        return f"{number % 100 + 100}% {word.lower()}", str(number % 100 + 100)
    after = draw(st.sampled_from(["fee", "in fees", "tips", "payout", "revenue", "deposit", "paid", "owed", "cost"]))
    return f"{number} {after}", str(number)


def _survives(digits: str, text: str) -> bool:
    return re.search(rf"(?<![\d,.]){re.escape(digits)}(?![\d,])", text) is not None


@given(
    money=st.lists(st.one_of(amounts(), attached()), min_size=1, max_size=4),
    keep=st.lists(st.sampled_from(OPERATIONAL), min_size=1, max_size=4),
    joiner=st.sampled_from([", ", " — ", ". ", "; ", "\n", " and "]),
    order=st.randoms(use_true_random=False),
)
@example(
    money=[("Revenue $1,450", "1,450"), ("captain fee $300", "300")],
    keep=["dock 7", "14:00", "party of 6"],
    joiner=", ",
    order=None,
)
@settings(max_examples=300, deadline=None)
def test_no_financial_value_survives_and_operational_numbers_do(
    money: list[tuple[str, str]], keep: list[str], joiner: str, order: Any
) -> None:
    parts = [written for written, _ in money] + [f"meet at {k}" for k in keep]
    if order is not None:
        order.shuffle(parts)
    scrubbed = scrub_text(joiner.join(parts))
    for written, digits in money:
        assert not _survives(digits, scrubbed), f"{written!r} survived in {scrubbed!r}"
    for phrase in keep:
        assert phrase in scrubbed, f"{phrase!r} lost from {scrubbed!r}"
    assert scrub_text(scrubbed) == scrubbed  # idempotent: verification is "scrub changes nothing"


@given(text=st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_scrub_is_idempotent_and_total(text: str) -> None:
    once = scrub_text(text)
    assert scrub_text(once) == once and text_is_clean(once)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Revenue $1,450, captain fee $300 — meet at dock 7 at 14:00, party of 6",
            f"Revenue {REMOVED}, captain fee {REMOVED} — meet at dock 7 at 14:00, party of 6",
        ),
        ("$1450.00 total", f"{REMOVED} total"),
        ("1,450 USD / USD 300 / €200 / 300 dollars / 1.2k", " / ".join([REMOVED] * 5)),
        ("slip B-12, 2 coolers, party of 6 total", "slip B-12, 2 coolers, party of 6 total"),
        ("Deposit due 2024-05-30 at 14:00", "Deposit due 2024-05-30 at 14:00"),
        ("tip was 50, balance of 1,200 owed", f"tip was {REMOVED}, balance of {REMOVED} owed"),
        ("commission 15% and 20% payout", f"commission {REMOVED} and {REMOVED} payout"),
        ("Tip: bring 2 coolers; paid parking at dock 7", "Tip: bring 2 coolers; paid parking at dock 7"),
        ("15m boat, 10 km out", "15m boat, 10 km out"),
    ],
)
def test_examples(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


@pytest.mark.django_db
@given(money=st.lists(amounts(), min_size=1, max_size=3), point=st.sampled_from(OPERATIONAL))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_crew_facing_record_and_email_carry_no_generated_amount(money: list[tuple[str, str]], point: str) -> None:
    from crew.tests.factories import CrewMemberFactory

    member = CrewMemberFactory.build(email="cass@example.com", name="Cass")
    leaky = ", ".join(w for w, _ in money)
    record = crew_facing(
        {
            "id": "evt_0",
            "title": f"Sunset sail {leaky}",
            "meeting_point": f"{point} ({leaky})",
            "vessel": "JADA",
            "notes": f"{leaky}; meet at {point}",
            "crew": [{"email": member.email, "name": "Cass", "role": "captain", "fee": leaky}],
            "starts_at": "2024-05-30T14:00:00-07:00",
            "ends_at": "2024-05-30T18:00:00-07:00",
            "revenue": leaky,
        }
    )
    context = {"event": record, "kind": "assigned", "member": member, "role": "captain", "when": "", "link": ""}
    outputs = [repr(record), render_to_string("crew/email/event_notice.txt", context)]
    html = render_to_string("crew/email/event_notice.html", context)
    outputs.append(re.sub(r'style="[^"]*"', "", html))  # CSS numbers (font-weight: 600) are not amounts
    for output in outputs:
        for written, digits in money:
            assert not _survives(digits, output), f"{written!r} survived"
        assert point in output
