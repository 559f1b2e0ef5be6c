"""Scrubbing, as properties: every financial form goes, the operational numbers around it stay.

The generators compose financial phrases in every form the issue lists (and in forms the
scrubber's patterns were not written from: random labels, glue, spacing, currency position)
inside operational sentences. After ``scrub_text`` the *independent* detector
(``crew.money_check``) must find nothing, and each operational phrase must survive digit for
digit. Scrubbing is idempotent, and clean operational text comes back unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crew.crew_facing import crew_facing
from crew.money_check import money_findings
from crew.scrub import scrub_spans, scrub_text, text_is_clean

FAST = settings(max_examples=200, deadline=None)

LABELS = [
    "Revenue", "revenue", "rev", "Rev", "captain fee", "Captain fee", "cap fee", "CF", "cf", "payout",
    "Payout", "tip", "Tip", "rate", "deposit", "dep", "balance", "bal", "owed", "gross", "net", "price",
    "commission", "Fee", "fee", "total", "cost", "crew fee", "cleaning fee", "Boatsetter fee",
]  # fmt: skip
GLUE = [" ", ": ", ":", " = ", "=", " was ", " of ", " is about ", " - ", ":\n", "\n", " ("]


def _grouped(n: int, sep: str = ",") -> str:
    return f"{n:,}".replace(",", sep)


@st.composite
def financial(draw: Any) -> tuple[str, list[str]]:
    """(a financial phrase, the digit strings that must not survive it)."""
    n = draw(st.integers(min_value=10, max_value=99_999))
    big = draw(st.integers(min_value=1_000, max_value=99_999))
    hi = n + draw(st.integers(min_value=1, max_value=500))
    pct = draw(st.integers(min_value=5, max_value=40))
    label = draw(st.sampled_from(LABELS))
    glue = draw(st.sampled_from(GLUE))
    labelled = f"{label}{glue}{n}" + (")" if glue == " (" else "")
    forms: list[tuple[str, list[str]]] = [
        (labelled, [str(n)]),
        (f"Fee:{n}", [str(n)]),
        (f"revenue:{n}", [str(n)]),
        (f"rev: {n}", [str(n)]),
        (f"CF {n}", [str(n)]),
        (f'{{"price": {n}}}', [str(n)]),
        (f'"captain_fee": "{n}"', [str(n)]),
        (f"{_grouped(big)}.00 total", [_grouped(big)]),
        (f"{n}-{hi} dollars", [str(n), str(hi)]),
        (f"${n}–{hi}", [str(n), str(hi)]),
        (f"{_grouped(big, ' ')} €", [_grouped(big, " "), str(big)]),
        (f"{_grouped(big, chr(39))} CHF", [_grouped(big, "'")]),
        (f"{n},-", [str(n)]),
        (f"{n}/day", [str(n)]),
        (f"tip {n}-{hi}", [str(n), str(hi)]),
        (f"{pct} pct tip", [str(pct)]),
        (f"{n} pp", [str(n)]),
        (f"{n} francs", [str(n)]),
        (f"Fr. {n}", [str(n)]),
        (f"{n} (USD)", [str(n)]),
        (f"revenue ({n})", [str(n)]),
        (f"{label}\n{n}", [str(n)]),
        (f"captain gets {n}", [str(n)]),
        (f"{n} to the captain", [str(n)]),
        (f"{_grouped(big, '.')},00 €", [_grouped(big, ".")]),
        (f"CHF {_grouped(big, chr(39))}.–", [_grouped(big, "'")]),
        (f"£{big // 1000}.{big % 10}k", [f"{big // 1000}.{big % 10}"]),
        (f"{n}$", [str(n)]),
        (f"{n} USD", [str(n)]),
        (f"USD {n}", [str(n)]),
        (f"${_grouped(big)}", [_grouped(big)]),
        (f"{label} ${n}", [str(n)]),
        (f"{pct}% commission", [str(pct)]),
        (f"{label} {n}/hr", [str(n)]),
        (draw(st.sampled_from(["fifteen hundred dollars", "five hundred dollars", "a grand", "two grand"])), []),
        (draw(st.sampled_from(["a couple hundred bucks", "three hundred to the captain", "tip fifty"])), []),
    ]
    return draw(st.sampled_from(forms))


@st.composite
def operational(draw: Any) -> str:
    """An operational phrase whose numbers must survive digit for digit."""
    small = draw(st.integers(min_value=1, max_value=40))
    hour, minute = draw(st.integers(min_value=6, max_value=21)), draw(st.sampled_from([0, 15, 30, 45]))
    phrases = [
        f"meet at dock {small}",
        f"party of {small}",
        f"depart {hour:02d}:{minute:02d}",
        f"slip B-{small}",
        f"{small} coolers",
        f"VHF channel {draw(st.sampled_from([9, 12, 16, 68, 72]))}",
        f"wind {small} knots",
        f"{draw(st.integers(min_value=20, max_value=90))} ft boat",
        f"{draw(st.integers(min_value=10, max_value=120))} gallons of fuel",
        f"{small} gallons of water",
        f"call (619) 555-{draw(st.integers(min_value=1000, max_value=9999))}",
        f"pick up at {draw(st.integers(min_value=100, max_value=9999))} Harbor Island Dr",
        f"back in {small} hours",
        f"on 2024-{draw(st.integers(min_value=1, max_value=12)):02d}-{draw(st.integers(min_value=1, max_value=28)):02d}",
        f"pier {small}",
        f"berth {small}",
        f"{small} guests",
    ]
    return draw(st.sampled_from(phrases))


JOINERS = [", ", ". ", " — ", "; ", "\n", " and ", " | "]


def _survives(digits: str, text: str) -> bool:
    return re.search(rf"(?<![\d,.' ]){re.escape(digits)}(?![\d,])", text) is not None


@given(
    money=st.lists(financial(), min_size=1, max_size=4),
    keep=st.lists(operational(), min_size=1, max_size=4),
    joiner=st.sampled_from(JOINERS),
    order=st.randoms(use_true_random=False),
)
@example(
    money=[("Revenue $1,450", ["1,450"]), ("captain fee $300", ["300"])],
    keep=["meet at dock 7", "depart 14:00", "party of 6"],
    joiner=", ",
    order=None,
)
@FAST
def test_no_financial_form_survives_and_operational_numbers_do(
    money: list[tuple[str, list[str]]], keep: list[str], joiner: str, order: Any
) -> None:
    parts = [written for written, _ in money] + keep
    if order is not None:
        order.shuffle(parts)
    note = joiner.join(parts)
    scrubbed = scrub_text(note)
    assert money_findings(scrubbed) == [], f"{note!r} → {scrubbed!r}"
    for written, digits in money:
        for value in digits:
            if not any(value in phrase for phrase in keep):
                assert not _survives(value, scrubbed), f"{written!r} survived in {scrubbed!r}"
    for phrase in keep:
        assert phrase.lower() in scrubbed.lower(), f"{phrase!r} lost from {scrubbed!r} (note {note!r})"
    assert "[removed]" not in scrubbed
    assert scrub_text(scrubbed) == scrubbed


@given(keep=st.lists(operational(), min_size=1, max_size=6), joiner=st.sampled_from(JOINERS))
@FAST
def test_clean_operational_text_is_unchanged(keep: list[str], joiner: str) -> None:
    note = joiner.join(keep)
    assert scrub_text(note) == note
    assert scrub_spans(note) == []
    assert money_findings(note) == []


@given(text=st.text(max_size=300))
@FAST
def test_scrub_is_idempotent_and_total(text: str) -> None:
    once = scrub_text(text)
    assert scrub_text(once) == once and text_is_clean(once)


@given(
    money=st.lists(financial(), min_size=1, max_size=3),
    keep=st.lists(operational(), min_size=1, max_size=3),
    joiner=st.sampled_from(JOINERS),
)
@FAST
def test_spans_are_exactly_what_the_scrub_removes(
    money: list[tuple[str, list[str]]], keep: list[str], joiner: str
) -> None:
    note = joiner.join([w for w, _ in money] + keep)
    spans = scrub_spans(note)
    kept = "".join(
        note[end:start] for (_, end), (start, _) in zip([(0, 0), *spans], [*spans, (len(note), 0)], strict=False)
    )
    # what is left once the spans go is the scrubbed text, up to the one letter re-capitalised
    # and a space put back where two words would otherwise touch
    assert kept.replace(" ", "").lower() == scrub_text(note).replace(" ", "").lower()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Revenue $1,450, captain fee $300 — meet at dock 7 at 14:00, party of 6. 2 coolers.",
            "Meet at dock 7 at 14:00, party of 6. 2 coolers.",
        ),
        ("Meet at dock 7 and tip 50-100.", "Meet at dock 7."),
        ('Booking JSON: {"price": 300, "guests": 6}', 'Booking JSON: {"guests": 6}'),
        ("Revenue:\n1450\nMeet at dock 7 at 14:00, party of 6.", "Meet at dock 7 at 14:00, party of 6."),
        ("- Revenue: $1,450\n- Meet at dock 7\n- Captain fee: $300\n- 2 coolers", "- Meet at dock 7\n- 2 coolers"),
        ("slip B-12, 2 coolers, party of 6 total", "slip B-12, 2 coolers, party of 6 total"),
        ("Deposit due 2024-05-30 at 14:00", "Deposit due 2024-05-30 at 14:00"),
        ("Tip: bring 2 coolers; paid parking at dock 7", "Tip: bring 2 coolers; paid parking at dock 7"),
        ("15m boat, 10 km out", "15m boat, 10 km out"),
        ("Guest asked: is the price 1450 or 1500? Told them 1450. Meet at dock 7.", "Meet at dock 7."),
    ],
)
def test_examples(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


def test_spans_cover_the_phrases_for_the_office_preview() -> None:
    note = "Revenue $1,450, captain fee $300 — meet at dock 7 at 14:00"
    removed = [note[a:b] for a, b in scrub_spans(note)]
    assert removed == ["Revenue $1,450, captain fee $300 — "]
    assert scrub_spans("meet at dock 7") == []


@pytest.mark.django_db
@given(money=st.lists(financial(), min_size=1, max_size=3), point=operational())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_crew_facing_record_and_email_carry_no_generated_amount(money: list[tuple[str, list[str]]], point: str) -> None:
    from crew.tests.factories import CrewMemberFactory

    member = CrewMemberFactory.build(email="cass@example.com", name="Cass")
    leaky = ", ".join(w for w, _ in money)
    record = crew_facing(
        {
            "id": "evt_0",
            "title": f"Sunset sail {leaky}",
            "meeting_point": f"{point} ({leaky})",
            "vessel": "JADA",
            "notes": f"{leaky}; {point}",
            "crew": [{"email": member.email, "name": "Cass", "role": "captain", "fee": leaky}],
            "starts_at": "2024-05-30T14:00:00-07:00",
            "ends_at": "2024-05-30T18:00:00-07:00",
            "revenue": leaky,
        }
    )
    context = {"event": record, "kind": "assigned", "member": member, "role": "captain", "when": "", "link": ""}
    text = render_to_string("crew/email/event_notice.txt", context)
    html = re.sub(r'style="[^"]*"', "", render_to_string("crew/email/event_notice.html", context))
    html = re.sub(r"<[^>]+>", " ", html)  # what a person reads; CSS numbers are not amounts
    for output in (text, html):
        assert money_findings(output) == [], output
        assert point.lower() in output.lower()
    assert money_findings(str({k: v for k, v in record.items() if k not in ("starts_at", "ends_at")})) == []
