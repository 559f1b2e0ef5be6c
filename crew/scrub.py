"""Taking money out of free text before crew see it: the financial *phrase* goes, and the rest reads on.

Why it looks like this: charter notes are typed by office staff, pasted from marketplace
e-mails and forwarded threads; they mix the operational ("meet at dock 7 at 14:00, party of
6") with the financial ("Revenue $1,450, captain fee $300"). Replacing only the digits told
every deckhand that there *was* a captain fee ("captain fee [removed]"), so ``scrub_text``
removes each financial phrase whole — the amount, the words that label it, the separators
left dangling — and tidies what is left:

    "Revenue $1,450, captain fee $300 — meet at dock 7 at 14:00, party of 6. 2 coolers."
    → "Meet at dock 7 at 14:00, party of 6. 2 coolers."

How, in three steps (the precompiled patterns are in ``crew.scrub_patterns``; a note with no
money signal at all is returned after one set lookup, so the store and backfill stay cheap):

1. **Protect** what is operational by shape — times, dates, phone numbers, street addresses,
   ``dock 7`` / ``slip B-12`` / ``channel 16`` / ``party of 6``, numbers with a unit (``40
   gallons``, ``15 knots``, ``3 hours``, ``6 guests``). Their digits are masked, so no money
   rule can take them.
2. **Find** financial phrases: an amount with a currency marker anywhere around it (``$300``,
   ``300$``, ``1 450 €``, ``CHF 1'450.–``, ``Fr. 300``, ``1450 (USD)``, ``300,-``, ``£1.2k``,
   ``fifteen hundred dollars``, ``a grand``), a bare amount next to a financial label
   (``Fee:300``, ``rev: 1450``, ``CF 300``, ``tip 50-100``, ``15 pct tip``, ``1,450.00 total``,
   ``revenue (1450)``, a label on one line and its amount on the next, ``"captain_fee":
   "300"``), per-unit rates (``1450/day``, ``150 pp``) and payments to people (``captain gets
   300``, ``300 to the captain``). Each phrase is widened to its label words; a clause left
   with nothing operational in it goes whole.
3. **Tidy**: the separators around a removed phrase collapse to the strongest one that was
   there, dangling connectors ("and", "plus") and empty brackets go, a sentence that lost its
   start is capitalised again if it was before.

It is idempotent (``scrub_text(scrub_text(t)) == scrub_text(t)``). It is *not* what decides
that a record may reach crew: that is ``crew.money_check``, written independently, so one
blind spot cannot pass both. ``scrub_spans`` gives the removed ranges for the office preview.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from crew.scrub_patterns import (
    FIN_WORDS,
    FINDERS,
    LABEL_BEFORE,
    LOOK_BACK,
    MONEY,
    MONEY_CHARS,
    NEEDS_LABEL,
    NUMBER_WORDS,
    PLAIN_SIGNAL_WORDS,
    PROTECT,
    ROLE_NUMBER,
    ROLE_PAY_WORDS,
    ROLE_WORDS,
    SIGNAL_CHARS,
    WORD_PARTS,
    word_set,
)


def _worth_scanning(text: str) -> bool:
    """Could any finder match? (An amount and a money signal must both be there.)"""
    words = {w.lower() for w in WORD_PARTS.findall(text)}
    has_amount = any(c.isdigit() for c in text) or not words.isdisjoint(NUMBER_WORDS)
    if not has_amount:
        return False
    if SIGNAL_CHARS.search(text) is not None or not words.isdisjoint(PLAIN_SIGNAL_WORDS):
        return True
    return not words.isdisjoint(ROLE_WORDS) and (
        not words.isdisjoint(ROLE_PAY_WORDS) or ROLE_NUMBER.search(text) is not None
    )


# --- tidying ----------------------------------------------------------------------------------
_GONE = "\x00"
_SEPS = ",;:.!?—–|/\n-"
_CONN = r"(?:(?:and|plus|with|incl|including|also|or|but|then|x)\b\.?|&|\+|×|w/)"
_SEP_CLASS = r"[,;:.!?—–|(\n]"
_CONNECTOR_BEFORE = re.compile(rf"(?:^|(?<={_SEP_CLASS}))[ \t]*{_CONN}(?=[ \t]*{_GONE})", re.IGNORECASE)
_CONNECTOR_AFTER = re.compile(rf"(?<={_GONE})[ \t]*{_CONN}(?=[ \t]*(?:[,;:.!?—–|)\n]|$))", re.IGNORECASE)
_CONNECTOR_TRAILING = re.compile(rf"[ \t]+{_CONN}[ \t]*(?={_GONE}+[ \t]*(?:[,;:.!?—–|)\n]|$))", re.IGNORECASE)
_CONNECTOR_TWICE = re.compile(
    rf"(?:(?<=\band)|(?<=\bplus)|(?<=\bthen))[ \t]+{_GONE}+[ \t]+{_CONN}(?=\s)", re.IGNORECASE
)  # "and ⌫ and"
_CONNECTOR_BETWEEN = re.compile(rf"(?<={_GONE})[ \t]+{_CONN}[ \t]+(?={_GONE})", re.IGNORECASE)
_LEADING_CONNECTOR = re.compile(
    rf"(?:^|(?<=[.!?\n(]))(?:[ \t]*(?:[-*•]|\d{{1,2}}[.)])[ \t]+)?[ \t]*{_GONE}[{_GONE}\s,;:—–]*?({_CONN})[ \t]",
    re.IGNORECASE,
)
_EMPTY_BRACKETS = re.compile(
    rf"[(\[{{][\s{_GONE},;:]*{_GONE}[\s{_GONE},;:]*[)\]}}]|[\"“'][\s{_GONE},;:.!?]*{_GONE}[\s{_GONE},;:.!?]*[\"”']"
)
_GAP = re.compile(rf"[\s,;:.!?—–|/\-{_GONE}]*{_GONE}[\s,;:.!?—–|/\-{_GONE}]*")
# where a clause ends for the whole-clause rule: punctuation, or a connector ("… and call Sam")
_CLAUSE_BREAK = re.compile(r"[,;!?\n|—–{}\[\]\"]|\.(?=[\s\"]|$)|\b(?:and|then|plus|but|also)\b|&", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_BULLET = re.compile(r"[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]+")
_LINE_BULLET = re.compile(r"^[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]+", re.MULTILINE)
_BULLET_HELD = "\x01"
_OPENERS = "([{\"“'" + _BULLET_HELD  # a gap right after one of these starts a new stretch of text
_FILLER_WORDS = word_set(
    "a an the and or for of to at in on is was are be will with plus also as from by it its this that "
    "per each total so just only then but"
)
_STRENGTH = {".": 6, "!": 6, "?": 6, ";": 4, "—": 3, "–": 3, "-": 3, ":": 2, ",": 2, "/": 1, "|": 1}


def _protected_mask(text: str) -> str:
    """``text`` with the digits of every operational shape replaced, so no money rule can take them."""
    pieces: list[str] = []
    last = 0
    for match in PROTECT.finditer(text):
        pieces.append(text[last : match.start()])
        pieces.append(re.sub(r"\d", "_", match.group()))
        last = match.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        elif end > start:
            merged.append((start, end))
    return merged


def _phrases(text: str) -> list[tuple[int, int]]:
    """The financial phrases of ``text`` (step 2), merged, before any tidying."""
    masked = _protected_mask(text)
    spans = []

    def add(start: int, end: int) -> None:
        while end > start and masked[end - 1] in " \t\n":
            end -= 1
        if end > start and not ("_" in masked[start:end] and "_" not in text[start:end]):  # leans on a protected number
            spans.append((start, end))

    words = {w.lower() for w in WORD_PARTS.findall(text)}
    for finder, needs in FINDERS:
        if needs is not None and words.isdisjoint(needs) and not (finder is MONEY and MONEY_CHARS.search(text)):
            continue  # the words this finder starts from are not in the text
        for match in finder.finditer(masked):
            start = match.start()
            label = _label_start(masked, start)
            add(start if label is None else label, match.end())
    for match in NEEDS_LABEL.finditer(masked) if not words.isdisjoint(FIN_WORDS) else ():
        label = _label_start(masked, match.start())
        if label is not None:
            add(label, match.end())
    spans = _merge(spans)
    return _merge([*spans, *_repeated(masked, text, spans)]) if spans else spans


def _label_start(masked: str, start: int) -> int | None:
    """Where the financial label right before ``start`` begins ("Captain fee: " before "$300")."""
    low = max(0, start - LOOK_BACK)
    if FIN_WORDS.isdisjoint(w.lower() for w in WORD_PARTS.findall(masked, low, start)):
        return None  # no financial word in reach: skip the regex
    found = LABEL_BEFORE.search(masked, low, start)
    return found.start() if found else None


_AMOUNT_DIGITS = re.compile(r"\d[\d,.'’ ]*\d")
_LONE_NUMBER = re.compile(
    r"(?<![\w.,'’])\d{1,3}(?:[,.'’]?\d{3})+(?:[.,]\d{2})?(?![\w:]|[.,]\d)|(?<![\w.,'’])\d{3,}(?![\w:]|[.,]\d)"
)


def _repeated(masked: str, text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """An amount removed once goes wherever else it stands bare ("price 1450 … told them 1450")."""
    amounts = set()
    for start, end in spans:
        for number in _AMOUNT_DIGITS.findall(text[start:end]):
            digits = re.sub(r"\D", "", number)
            if len(digits) >= 3:
                amounts.add(digits.rstrip("0") if "." in number or "," in number[-3:] else digits)
                amounts.add(digits)
    found = []
    for match in _LONE_NUMBER.finditer(masked):
        if re.sub(r"\D", "", match.group()) in amounts and not any(a <= match.start() < b for a, b in spans):
            found.append(match.span())
    return found


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        chars[i] = _GONE


def _whole_clauses(text: str, chars: list[str]) -> None:
    """A clause left with nothing operational once its money is gone (``Fuel $120``) goes whole."""
    marked = "".join(chars)
    bounds = [0, *(i for m in _CLAUSE_BREAK.finditer(marked) for i in m.span()), len(marked)]
    for start, end in zip(bounds[::2], bounds[1::2], strict=False):
        clause = marked[start:end]
        if _GONE not in clause:
            continue
        rest = clause.replace(_GONE, " ")
        if any(c.isdigit() for c in rest):
            continue
        words = [w for w in _WORD.findall(rest) if w.lower() not in _FILLER_WORDS]
        if len(words) <= 2:
            first = start + len(clause) - len(clause.lstrip())
            _blank(chars, first, start + len(clause.rstrip()))


def _connectors_and_brackets(chars: list[str]) -> None:
    for _ in range(3):
        marked = "".join(chars)
        before = marked
        for pattern in (
            _CONNECTOR_BEFORE,
            _CONNECTOR_AFTER,
            _CONNECTOR_TRAILING,
            _CONNECTOR_BETWEEN,
            _CONNECTOR_TWICE,
            _EMPTY_BRACKETS,
        ):
            for match in pattern.finditer(marked):
                _blank(chars, *match.span())
        for match in _LEADING_CONNECTOR.finditer("".join(chars)):
            _blank(chars, match.start(1), match.end())
        if "".join(chars) == before:
            return


def _whole_lines(chars: list[str]) -> None:
    """A line (a bullet, a ``Revenue: $1,450`` row) with nothing left goes with its line break."""
    marked = "".join(chars)
    offset = 0
    for line in marked.splitlines(keepends=True):
        body = line.rstrip("\n")
        if _GONE in body:
            rest = _BULLET.sub("", body.replace(_GONE, ""), count=1) if _BULLET.match(body) else body
            if not rest.replace(_GONE, "").strip(" \t" + _SEPS):
                end = offset + len(line)
                start = offset if line.endswith("\n") or offset == 0 else offset - 1
                _blank(chars, start, end)
        offset += len(line)


def _gap_keep(marked: str, start: int, end: int) -> tuple[list[int], str]:
    """Which original characters of the gap ``[start, end)`` stay, and text to insert after them."""
    at_start = start == 0 or marked[start - 1] in _OPENERS
    at_end = end == len(marked) or marked[end] in ")]}"
    seps = [(i, marked[i]) for i in range(start, end) if (marked[i] in _SEPS and marked[i] != "-") or _dash(marked, i)]
    newlines = [i for i, c in seps if c == "\n"]
    if at_end:
        ends = [i for i, c in seps if c in ".!?"]
        return ([ends[-1]] if ends and not at_start else []), ""
    if at_start:
        return [], ""
    if newlines:
        first_gone = marked.index(_GONE, start, end)
        if newlines[0] < first_gone:  # the line before ends as it did ("message:", "confirmed.")
            tail = [i for i in range(start, newlines[0]) if marked[i] not in " \t"]
        else:
            tail = [i for i, c in seps if c in ".!?"][-1:]
        return tail + newlines[:2], ""
    if not seps:
        spaces = [i for i in range(start, end) if marked[i] in " \t"]
        return spaces[:1], ("" if spaces else " ")
    best = max(_STRENGTH.get(c, 0) for _, c in seps)
    choices = [i for i, c in seps if _STRENGTH.get(c, 0) == best]
    keep = choices[-1] if best == _STRENGTH["."] else choices[0]
    kept = [keep]
    if marked[keep] in "—–-/|":
        kept = [i for i in range(start, keep) if marked[i] == " "][-1:] + kept
    after = [i for i in range(keep + 1, end) if marked[i] in " \t"]
    return kept + after[:1], ("" if after else " ")


def _dash(marked: str, i: int) -> bool:
    return marked[i] == "-" and (i == 0 or marked[i - 1] in " \t" + _GONE) and marked[i + 1 : i + 2] in (" ", _GONE)


def _pass(text: str) -> tuple[str, list[int]] | None:
    """One scrub pass: the new text and, per character of it, its index in ``text`` (-1 inserted)."""
    phrases = _phrases(text)
    if not phrases:
        return None
    chars = list(text)
    for start, end in phrases:
        _blank(chars, start, end)
    _whole_clauses(text, chars)
    _connectors_and_brackets(chars)
    _whole_lines(chars)
    marked = _hold_bullets(text, chars)
    out: list[str] = []
    origin: list[int] = []
    last = 0
    for gap in _GAP.finditer(marked):
        start, end = gap.span()
        out.append(text[last:start])
        origin.extend(range(last, start))
        kept, inserted = _gap_keep(marked, start, end)
        for i in kept:
            out.append(text[i])
            origin.append(i)
        if inserted:
            out.append(inserted)
            origin.append(-1)
        begins = start == 0 or marked[start - 1] in _OPENERS[3:] or any(text[i] in ".!?\n" for i in kept)
        first = text[marked.find(_GONE, start, end)]
        if begins and end < len(text) and not first.islower() and text[end].islower():
            out.append(text[end].upper())  # the sentence lost its capitalised start
            origin.append(end)
            end += 1
        last = end
    out.append(text[last:])
    origin.extend(range(last, len(text)))
    return "".join(out), origin


def _hold_bullets(text: str, chars: list[str]) -> str:
    """Shield the bullet markers of surviving lines so that no gap swallows them."""
    for match in _LINE_BULLET.finditer(text):
        if _GONE not in chars[match.start() : match.end()]:
            chars[match.start() : match.end()] = [_BULLET_HELD] * (match.end() - match.start())
    return "".join(chars)


def _scrub(text: str) -> tuple[str, list[int] | None]:
    origin: list[int] | None = None
    for _ in range(4):
        result = _pass(text)
        if result is None or result[0] == text:
            break
        text, step = result
        origin = step if origin is None else [origin[i] if i >= 0 else -1 for i in step]
        if not _worth_scanning(text):
            break  # nothing left that a further pass could take
    return text, origin


def scrub_text(text: str) -> str:
    """``text`` without its financial phrases, tidied so that it reads naturally; idempotent."""
    if not text:
        return text
    return _scrub_cached(text)


# A pure function of the text (the rules are module constants), and the same texts come back: the
# drift report, the crew portal and the sweep scrub every charter's notes, vessel and meeting point
# again on each run, in a long-lived process. Bounded: ~32k texts of a few hundred bytes.
@functools.lru_cache(maxsize=32_768)
def _scrub_cached(text: str) -> str:
    return _scrub(text)[0] if _worth_scanning(text) else text


def scrub_spans(text: str) -> list[tuple[int, int]]:
    """The ``[start, end)`` ranges of ``text`` that ``scrub_text`` removes (for the office preview)."""
    if not text or not _worth_scanning(text):
        return []
    origin = _scrub(text)[1]
    if origin is None:
        return []
    kept = {i for i in origin if i >= 0}
    return _merge((i, i + 1) for i in range(len(text)) if i not in kept)


def text_is_clean(text: str) -> bool:
    """True when ``scrub_text`` would change nothing. Not a safety check: see ``crew.money_check``."""
    return scrub_text(text) == text
