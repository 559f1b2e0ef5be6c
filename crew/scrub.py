"""The one function that takes money out of free text before crew can see it.

Why it exists: charter notes are typed by office staff and marketplaces, and they mix the
operational ("meet at dock 7 at 14:00, party of 6") with the financial ("Revenue $1,450,
captain fee $300"). Crew must see the first and never the second. ``scrub_text`` replaces

* money in every common form — ``$1,450``, ``$1450.00``, ``US$300``, ``1,450 USD``,
  ``USD 300``, ``€200``, ``200€``, ``300 dollars``, ``1.2k`` — and
* numbers attached to financial words (revenue, fee, payout, price, rate, tip, deposit,
  balance, commission, total, cost, paid, owed and their relatives), in either order
  (``fee: 300``, ``tip was 50``, ``20% commission``, ``300 in fees``)

with ``[removed]``, and leaves operational numbers alone: times (``14:00``), dates, ``dock 7``,
``party of 6``, ``slip B-12``, ``2 coolers``. It is idempotent (scrubbing clean text changes
nothing), which is how the notifier verifies an item: ``text_is_clean(t)`` ⇔ ``scrub_text(t) == t``.

Known limit: amounts spelled out in words ("five hundred") are not recognised.
"""

from __future__ import annotations

import re

REMOVED = "[removed]"

# A number as people write amounts: 1,450 / 1,450.00 / 1.450,00 / 1450 / 1450.5 / 0.99
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+(?:[.,]\d+)?)"
# Not glued to a word, a decimal point, a time (14:00), a path or a slip number (B-12).
_BEFORE = r"(?<![\w.:/-])"
# Not followed by more of a token: letters, a time's colon, a date's -05, a decimal part.
_AFTER = r"(?![\w:]|[.,/-]\d)"
_SP = r"[ \t\u00a0]"  # amounts and their words stay on one line: "dock 7\nrevenue 100" keeps the 7
_SCALE = rf"(?:{_SP}?(?:k|mm|m|bn|b)\b|{_SP}(?:grand|thousand|million|billion)\b)"
_SYMBOL = r"(?:[A-Z]{1,3}\$|\$|€|£|¥|₹|₩|₱|₪|฿)"
_CODE = r"(?:USD|EUR|GBP|CAD|AUD|NZD|MXN|JPY|CHF|SEK|NOK|DKK)"
_MONEY_WORD = r"(?:dollars?|bucks|euros?|cents?|pesos?|quid|grand)"
_PREFIX = rf"(?:[+-]?{_SYMBOL}|\b{_CODE}{_SP}?[$€£]?)"
_SUFFIX = rf"(?:{_SYMBOL}|{_CODE}\b|{_MONEY_WORD}\b)"

# One alternation scanned left to right, so "USD 300" and "300 USD" side by side both go:
_MONEY = re.compile(
    # $1,450  $ 300  -$20  US$300  €200  $1.2k  $5 million  USD 300  $300 USD
    rf"{_PREFIX}{_SP}?[+-]?{_NUM}{_SCALE}?(?:{_SP}?{_SUFFIX}|{_AFTER})"
    # 1,450 USD  300 dollars  200€  300$  2k dollars
    rf"|{_BEFORE}[+-]?{_NUM}{_SCALE}?{_SP}?{_SUFFIX}"
    # 1.2k  15K — shorthand for thousands is money in charter notes
    rf"|{_BEFORE}[+-]?\d+(?:[.,]\d+)?{_SP}?k\b",
    re.IGNORECASE,
)

_FINANCIAL = (
    r"(?:revenues?|fees?|payouts?|paid\s?out|prices?|priced|pricing|rates?|tips?|tipped|gratuit(?:y|ies)|"
    r"deposits?|balances?|commissions?|totals?|totall?ed|subtotals?|costs?|costing|paid|owed|owes?|owing|"
    r"payments?|pay|charges?|charged|earnings?|income|profits?|margins?|refunds?|refunded|invoiced?|"
    r"salary|wages?|bonus(?:es)?|cash|net|gross|take|cut)"
)
# Words that may sit between a financial word and its number: "tip was 50", "balance of 1200".
_FILLER = (
    r"(?:is|was|were|are|be|will|of|about|around|approx\.?|approximately|roughly|at|to|the|a|an|in|"
    r"for|per|each|total|amount|amounts|due|now|only|just|comes|came|came to|paid|owed|net|gross|"
    r"captain|crew|mate|deckhand|hour|hourly|day|daily|guest|person|pp|of)"
)
_PERCENT = rf"(?P<pct>{_BEFORE}[+-]?{_NUM}{_SP}?(?:%|percent\b))"
_NUMBER = rf"{_BEFORE}[+-]?{_NUM}(?:{_SP}?(?:%|percent\b)|{_SCALE})?{_AFTER}"
# fee 300 / fee: 300 / tip was 50 / balance of 1,200 / commission 15% / rate: 150/hr
_WORD_THEN_NUMBER = re.compile(
    rf"(\b{_FINANCIAL}\b(?:{_SP}*[:=~≈]{_SP}*|{_SP}*[-–—]{_SP}*|{_SP}+(?:{_FILLER}\b{_SP}*)*))({_NUMBER})",
    re.IGNORECASE,
)
# 300 in fees / 20% tip / 10% captain fee / 1450 revenue ("6 total" stays: a head count)
_NUMBER_THEN_WORD = re.compile(
    rf"(?:{_PERCENT}|{_NUMBER})(?P<word>{_SP}*(?:(?:in|captain'?s?|crew|mate'?s?|deckhand'?s?){_SP}+)?"
    rf"(?(pct)|(?!totals?\b)){_FINANCIAL}\b)",
    re.IGNORECASE,
)


def _scrub_once(text: str) -> str:
    text = _MONEY.sub(REMOVED, text)
    text = _WORD_THEN_NUMBER.sub(lambda m: m.group(1) + REMOVED, text)
    text = _NUMBER_THEN_WORD.sub(lambda m: REMOVED + m.group("word"), text)
    return text


def scrub_text(text: str) -> str:
    """``text`` with money amounts and financially attached numbers replaced by ``[removed]``."""
    if not text:
        return text
    # Repeat to a fixed point so scrubbing is idempotent even when a removal changes adjacency.
    for _ in range(4):
        scrubbed = _scrub_once(text)
        if scrubbed == text:
            break
        text = scrubbed
    return text


def text_is_clean(text: str) -> bool:
    """True when ``text`` holds nothing ``scrub_text`` would remove."""
    return scrub_text(text) == text
