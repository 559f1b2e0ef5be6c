"""The independent money check: what it flags, what it lets through, and where it disagrees with the scrubber.

``crew.money_check`` decides whether a record may reach crew. It must catch money by itself —
the cases below are phrases the scrubber leaves in place, and the detector still flags them,
which is the whole point of a second check that is not the scrubber run again.
"""

from __future__ import annotations

import ast
import inspect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crew import dynamo, money_check
from crew.money_check import money_findings, record_money_findings
from crew.scrub import scrub_text


@pytest.mark.parametrize(
    ("text", "finding"),
    [
        ("Revenue $1,450", 'currency symbol "$" near "1,450"'),
        ("rev: 1450", 'financial term "rev" near "1450"'),
        ("CF 300", 'financial term "CF" near "300"'),
        ("300,-", 'price notation "300,-"'),
        ("£1.2k", 'currency symbol "£" near "1.2k"'),
        ("150 pp", 'per-unit rate "150 pp"'),
        ("1450/day", 'per-unit rate "1450 /"'),
        ("captain gets 300", 'payment "gets 300"'),
        ("300 to the captain", 'payment "300 to the captain"'),
        ("a grand, thanks", 'amount in words "a grand"'),
        ("five hundred dollars", 'currency word "dollars" near "five"'),
        ("Fr. 300", 'currency word "Fr." near "300"'),
        ("1450 (USD)", 'currency word "USD" near "1450"'),
        ("Revenue:\n1450", 'financial term "Revenue" near "1450"'),
        ("Deckhand 150", 'pay "Deckhand 150"'),
        ("bring some $ for parking", 'currency symbol "$"'),
    ],
)
def test_flags_money_with_a_reason(text: str, finding: str) -> None:
    assert finding in money_findings(text)


@pytest.mark.parametrize(
    "text",
    [
        "Meet at dock 7 at 14:00, party of 6. 2 coolers.",
        "Tip: bring 2 coolers; paid parking at dock 7.",
        "Deposit due 2024-05-30 at 14:00.",
        "Call Sam at (619) 555-0134. VHF channel 16, wind 15 knots.",
        "Fuel 40 gallons, water 30 gallons, boat 65 ft.",
        "Pick up at 1450 Harbor Island Dr at 13:15.",
        "6 total guests; battery at 80%, charge overnight.",
        "Slip B-12, gate code 4471, back by 17:00.",
        "",
    ],
)
def test_operational_text_is_clean(text: str) -> None:
    assert money_findings(text) == []


# Phrases the scrubber leaves in place; the independent detector still flags each one.
DISAGREEMENTS = [
    "1450 after fees were taken. Meet at dock 7.",
    "USD rates apply. Meet at dock 7.",
    "Bring a few $ for parking.",
    "Keep 300 aside, fees later.",
    "fee waived, 300 instead",
    "Ana: 300 (skipper share)",
]


@pytest.mark.parametrize("text", DISAGREEMENTS)
def test_the_detector_catches_what_the_scrubber_leaves(text: str) -> None:
    assert scrub_text(text) == text  # the scrubber sees nothing to remove …
    assert money_findings(text)  # … and the second check still says "not clean"


def test_the_detector_does_not_use_the_scrubber() -> None:
    tree = ast.parse(inspect.getsource(money_check))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name and "scrub" in name for name in imported), imported


def test_record_findings_walk_every_value_and_field_name() -> None:
    record = {
        "id": "evt_0",
        "notes": "Meet at dock 7",
        "crew": [{"email": "ana@example.com", "name": "Ana", "role": "captain", "captain_fee": "ok"}],
        "meta": {"deep": ["fine", "tip 50"]},
        "guest_count": 6,
    }
    assert record_money_findings(record) == [
        'crew[0].captain_fee: field name "captain_fee"',
        'meta.deep[1]: financial term "tip" near "50"',
    ]
    assert record_money_findings({"notes": "Meet at dock 7", "starts_at": "2024-05-30T14:00:00-07:00"}) == []


@given(
    ref=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=7, max_size=7),
    member=st.integers(min_value=0, max_value=99),
)
@settings(max_examples=200, deadline=None)
def test_identifiers_are_never_money(ref: str, member: int) -> None:
    # Event ids are hex ("evt_3cf9…" holds "cf", "fee", "cad"), charter codes random letters
    # and digits: a record is never held for what its identifiers happen to spell.
    record = {
        "id": dynamo.crew_event_id(ref),
        "charter_ref": ref,
        "title": f"JADA charter, party of {member % 12 + 1}",
        "starts_at": "2024-05-30T14:00:00-07:00",
        "crew": [{"email": f"crew{member:02d}@bench.example", "name": f"Crew Member {member}", "role": "captain"}],
        "notes": "Meet at dock 7 at 14:00.",
    }
    assert record_money_findings(record) == []


@pytest.mark.parametrize("ref", ["CF3TIP4", "FEE7REV", "TIP4CAD"])
def test_codes_that_spell_financial_words_are_clean(ref: str) -> None:
    assert record_money_findings({"charter_ref": ref, "id": "evt_3cf9fee0cad1a2b3c4d5"}) == []


@pytest.mark.parametrize(
    "text",
    ["2027-05-01T17:00:00+00:00", "14:00", "5/30", "evt_3cf9a0b1", "K7PQ2ZD", "(619) 555-0100", "$300", "300", "fee"],
)
def test_the_single_token_shortcut_agrees_with_the_full_reading(text: str) -> None:
    from crew import money_check

    full = money_check.money_findings(text + " ")  # a trailing space: no longer one token, full path
    assert money_check.money_findings(text) == full


@pytest.mark.parametrize("code", ["GBP8XYZ", "USD23AB", "EUR9KLM", "CHF2345X"])
def test_a_charter_code_that_starts_with_a_currency_code_is_an_identifier(code: str) -> None:
    # Found by bench throughput: a charter coded GBP8… had its crew e-mails held as "currency code".
    assert money_findings(code) == []
    assert record_money_findings({"charter_ref": code}) == []


@pytest.mark.parametrize("text", ["GBP8", "usd300", "USD300k", "EUR1,450.", "pay CHF300 cash", "300usd"])
def test_a_currency_code_on_an_amount_is_still_found(text: str) -> None:
    assert any("currency code" in finding for finding in money_findings(text)), money_findings(text)
