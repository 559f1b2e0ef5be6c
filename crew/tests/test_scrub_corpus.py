"""The corpus: 231 crew notes as office staff, marketplaces and forwarded e-mails write them.

Each line of ``corpus/crew_notes.jsonl`` is ``{"kind", "note", "crew_sees"}``: the note as typed
and exactly what crew get. Kinds: the forms the issue lists (``issue-forms``), office shorthand,
forwarded e-mails and structured text (key: value, JSON), currency formats from several
countries, and operational notes that must come through untouched. A change to the scrubber
that changes any output shows up here as a diff to read, not as a silent drift.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crew.money_check import money_findings
from crew.scrub import scrub_spans, scrub_text

CORPUS = Path(__file__).parent / "corpus" / "crew_notes.jsonl"
ROWS: list[dict[str, Any]] = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]


def test_corpus_is_big_and_varied() -> None:
    kinds = Counter(row["kind"] for row in ROWS)
    assert len(ROWS) >= 200
    assert set(kinds) == {
        "issue-forms",
        "office-shorthand",
        "forwarded-and-structured",
        "currency-formats",
        "operational",
    }
    assert min(kinds.values()) >= 25
    assert len({row["note"] for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[f"{i:03d}-{row['kind']}" for i, row in enumerate(ROWS)])
def test_crew_see_exactly_the_expected_text(row: dict[str, Any]) -> None:
    seen = scrub_text(row["note"])
    assert seen == row["crew_sees"]
    assert money_findings(seen) == []  # and the independent check agrees it is clean
    assert scrub_text(seen) == seen
    assert "[removed]" not in seen


def test_operational_notes_come_through_untouched_and_money_notes_do_not() -> None:
    for row in ROWS:
        if row["kind"] == "operational" and row["note"] != row["crew_sees"]:
            # the only operational notes the scrubber touches hold a payment to someone
            assert money_findings(row["note"]), row["note"]
        if row["note"] != row["crew_sees"]:
            assert scrub_spans(row["note"]), row["note"]
        else:
            assert scrub_spans(row["note"]) == []
    untouched = [row for row in ROWS if row["kind"] == "operational" and row["note"] == row["crew_sees"]]
    assert len(untouched) >= 30
    # every note that had money in it, by the independent check, reaches crew changed
    for row in ROWS:
        if money_findings(row["note"]):
            assert row["crew_sees"] != row["note"], row["note"]
