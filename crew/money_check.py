"""The second, independent check: does this crew-facing text still show money? (Fail closed.)

Why a second check: the check before crew are told used to be the scrubber run again, so
whatever the scrubber missed the check missed too. This module shares no code, no pattern and
no word list with ``crew.scrub``: it *tokenizes* the text and then reasons over the tokens —

* any currency marker at all (``$``, ``€``, ``USD``, ``CHF``, ``Fr.``, ``dollars``, ``bucks``,
  ``a grand``) is a finding, whether or not a number stands next to it;
* a number within ``WINDOW`` tokens of a financial term (``fee``, ``rev``, ``CF``, ``tip``,
  ``payout``, ``gross``, ``pct`` …) is a finding, unless the number is plainly operational
  (``dock 7``, ``party of 6``, ``2 coolers``, ``40 gallons``, a time, a date, a phone number);
* a thousands shorthand (``1.2k``), a price dash (``300,-``), a per-unit rate (``150 pp``,
  ``1450/day``) and a number paid to someone (``captain gets 300``, ``300 to the captain``)
  are findings.

It errs towards "not clean": a finding holds the crew notice and tells the office; a person
decides. ``money_findings`` returns short reasons (empty list = clean) so the hold can say why.
"""

from __future__ import annotations

import functools
import re
from typing import Any


def _words(text: str) -> frozenset[str]:
    """A word list written as one string, the way a person reads it."""
    return frozenset(text.split())


WINDOW = 3  # how many word tokens apart a number and a financial term still count as "near"

# One token per match, tried in this order; the kind is the group name.
_TOKEN = re.compile(
    r"(?P<phone>(?:\+\d{1,3}[ .-]?)?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?!\d))"
    r"|(?P<datetime>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)"
    r"|(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?|\d{1,2}\s?(?:am|pm)(?![a-z]))"
    r"|(?P<date>\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\d/])|\d{1,2}\.\d{1,2}\.\d{4})"
    r"|(?P<shorthand>\b\d{1,4}(?:[.,]\d+)?\s?[kK](?![a-zA-Z\d]))"
    r"|(?P<pricedash>\d[\d.,'’]*[.,][-–—]{1,2}(?!\d))"
    # (a code and digits run on into letters, "GBP8XYZ", is an identifier: a charter code)
    r"|(?P<codeamount>\b(?:usd|eur|gbp|chf|cad|aud|nzd|mxn|jpy|sek|nok|dkk)\d+(?:[.,]\d+)*k?(?![A-Za-z0-9_])"
    r"|\b\d+(?:[.,]\d+)*(?:usd|eur|gbp|chf|cad|aud|nzd|mxn|jpy|sek|nok|dkk)\b)"
    # letters and digits run together (evt_3cf9…, K7PQ2ZD, crew00@…): an identifier, not words
    r"|(?P<ident>\b(?=[A-Za-z0-9_]*[A-Za-z])(?=[A-Za-z0-9_]*\d)[A-Za-z0-9_]+)"
    r"|(?P<number>\d+(?:[.,'’]\d+|[ \u00a0\u202f]\d{3}(?!\d))*)"
    r"|(?P<symbol>[$€£¥₹₩₱₪฿₣¢])"
    r"|(?P<word>[A-Za-z][A-Za-z'’]*\.?)"
    r"|(?P<percent>%)"
    r"|(?P<slash>/)"
    r"|(?P<punct>[^\sA-Za-z\d])",
    re.IGNORECASE,
)

CURRENCY_CODES = _words("usd eur gbp cad aud nzd mxn jpy chf sek nok dkk")
CURRENCY_WORDS = _words("dollar dollars buck bucks euro euros franc francs quid peso pesos cent cents smackers")
FINANCIAL_TERMS = _words("""revenue revenues rev fee fees payout payouts price prices pricing priced rate rates tip tips tipped
    gratuity gratuities grat deposit deposits dep balance bal commission commissions comm total totals
    subtotal cost costs paid owed owe owes owing payment payments pay charge charges charged earnings
    income profit profits margin margins refund refunded invoice invoiced salary wage wages bonus cash
    net gross surcharge quote quoted budget cf amount amt due split share pct percent percentage payable pmt
    netto brutto umsatz prix tarif""")
# Percentages are money only beside these; a single digit beside these is a count.
PERCENT_TERMS = _words("tip tips gratuity grat commission comm cut margin fee fees split share markup pct")
COUNT_TERMS = _words("total net split")
PAYMENT_VERBS = _words("gets get receives receive earns earn makes make takes got owed")
ROLES = _words("captain capt cap skipper crew mate deckhand deckhands stew steward chef")
PAYEES = _words("captain capt cap skipper crew mate deckhand deckhands owner office stew steward chef host")
NUMBER_WORDS = _words("""one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
    seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand""")
# A number right after one of these, or right before one of these, is operational.
PLACE_WORDS = _words("""dock slip berth pier gate channel ch ch. vhf of table row seat lot spot space bay mooring buoy marker
    deck cabin suite unit apt room exit hwy highway route no number level floor zone guests pax people
    party group site stall line flight ext box locker key""")
UNIT_WORDS = _words("""guest guests people person persons pax adult adults kid kids child children passenger passengers
    hour hours hr hrs h min mins minute minutes day days night nights week weeks ft feet foot m meter
    meters knot knots kt kts kn nm mile miles mi km gallon gallons gal liter liters litre litres l cooler
    coolers bag bags box boxes case cases bottle bottles can cans keg kegs towel towels chair chairs
    jacket jackets lifejackets board boards paddleboards kayak kayaks tank tanks line lines fender fenders
    car cars space spaces spot spots stop stops trip trips piece pieces items lbs kg degrees x mph psi
    crew deckhands st nd rd th years yrs yo""")
RATE_UNITS = _words("day hr hour h night week person head pax guest trip charter")


class _Token:
    """One token: its kind (the group name), its text, and ``bare``: lower case, without a
    trailing full stop or colon ("Fee:" and "fee" are one word). Computed once per token."""

    __slots__ = ("bare", "kind", "text")

    def __init__(self, kind: str, text: str) -> None:
        self.kind = kind
        self.text = text
        self.bare = text.lower().rstrip(".:")


def _tokens(text: str) -> list[_Token]:
    return [_Token(match.lastgroup or "punct", match.group()) for match in _TOKEN.finditer(text)]


def _is_number(token: _Token) -> bool:
    return token.kind == "number" or (token.kind == "word" and token.bare in NUMBER_WORDS)


def _is_currency(token: _Token, after: _Token | None) -> bool:
    if token.kind == "symbol":
        return True
    if token.kind != "word":
        return False
    if token.bare in ("fr", "frs", "sfr"):
        return token.text[0] in "FS"  # "Fr. 300", never the word "fr"
    if token.bare in CURRENCY_CODES or token.bare in CURRENCY_WORDS:
        return True
    if token.bare in ("pound", "pounds"):
        return after is None or after.bare != "of"
    return False


class _Text:
    """The tokens of one text, with the neighbourhood questions the rules ask."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        # positions of the tokens that count for distance (punctuation does not separate)
        self.solid = [i for i, t in enumerate(self.tokens) if t.kind != "punct"]
        self.rank = {index: n for n, index in enumerate(self.solid)}

    def near(self, i: int) -> list[_Token]:
        n = self.rank[i]
        return [self.tokens[j] for j in self.solid[max(0, n - WINDOW) : n + WINDOW + 1]]

    def next_solid(self, i: int, step: int = 1) -> _Token | None:
        n = self.rank[i] + step
        return self.tokens[self.solid[n]] if 0 <= n < len(self.solid) else None

    def right_after(self, i: int) -> _Token | None:
        return self.tokens[i + 1] if i + 1 < len(self.tokens) else None

    def operational(self, i: int) -> bool:
        """Is the number at ``i`` plainly operational: after a place word, before a unit?"""
        before = [t for t in (self.tokens[i - 1] if i else None, self.next_solid(i, -1)) if t is not None]
        after, then = self.next_solid(i), self.next_solid(i, 2)
        if after is not None and after.bare in ("total", "more", "extra", "other") and then is not None:
            after = then  # "6 total guests", "2 more coolers"
        return any(t.bare in PLACE_WORDS or t.text == "#" for t in before) or (
            after is not None and after.bare in UNIT_WORDS
        )


_AFTER_GRAND = _words("for to in each cash total plus and or if on at the a an tip")


# A text that is one token of these kinds (a timestamp, an identifier, a phone number) can meet
# none of the rules below, which all need a currency marker, a number or a word.
_INERT_ALONE = frozenset({"phone", "datetime", "time", "date", "ident"})


def money_findings(text: str) -> list[str]:
    """Why ``text`` may still show money to crew; an empty list means it looks clean."""
    if not text:
        return []
    return list(_money_findings_cached(text))


# A pure function of the text, asked again for the same texts (every item the sweep reads, every
# record a write checks): cached per text like ``crew.scrub.scrub_text``, bounded.
@functools.lru_cache(maxsize=32_768)
def _money_findings_cached(text: str) -> tuple[str, ...]:
    return tuple(_money_findings(text))


def inert_alone(text: str) -> bool:
    """Is ``text`` one token of those kinds? Then it is clean, and saying so costs one match (the
    sweep asks this first, so ids and timestamps neither fill the cache nor wait for it)."""
    whole = _TOKEN.match(text)  # the first token finditer would yield
    return whole is not None and whole.end() == len(text) and whole.lastgroup in _INERT_ALONE


def _money_findings(text: str) -> list[str]:
    if inert_alone(text):
        return []
    doc = _Text(text)
    findings: list[str] = []
    for i in doc.solid:
        token = doc.tokens[i]
        after = doc.next_solid(i)
        if _is_currency(token, after):
            numbers = [t.text for t in doc.near(i) if _is_number(t) or t.kind in ("shorthand", "pricedash")]
            what = "currency symbol" if token.kind == "symbol" else "currency word"
            findings.append(f'{what} "{token.text}"' + (f' near "{numbers[0]}"' if numbers else ""))
        elif token.kind == "codeamount":
            findings.append(f'currency code in "{token.text}"')
        elif token.kind == "shorthand":
            findings.append(f'thousands shorthand "{token.text}"')
        elif token.kind == "pricedash":
            findings.append(f'price notation "{token.text}"')
        elif token.bare == "grand":
            before = doc.next_solid(i, -1)
            if before is not None and (_is_number(before) or before.bare in ("a", "few", "couple")):
                nxt = doc.right_after(i)  # "a grand," / "a grand for the day", never "a grand tour"
                if nxt is None or nxt.kind != "word" or nxt.bare in _AFTER_GRAND or nxt.bare in FINANCIAL_TERMS:
                    findings.append(f'amount in words "{before.text} grand"')
        elif _is_number(token) and not doc.operational(i):
            findings.extend(_number_findings(doc, i))
    return findings


def _number_findings(doc: _Text, i: int) -> list[str]:
    token = doc.tokens[i]
    near = doc.near(i)
    after = doc.next_solid(i)
    if after is not None and after.kind == "percent":
        terms = [t.text for t in near if t.bare in PERCENT_TERMS]  # "80% charged" is a battery
    else:
        terms = [t.text for t in near if t.kind == "word" and t.bare in FINANCIAL_TERMS]
        if len(re.sub(r"\D", "", token.text)) == 1:
            terms = [t for t in terms if t.lower().rstrip(".:") not in COUNT_TERMS]  # "6 total", "1 net"
    if terms:
        return [f'financial term "{terms[0]}" near "{token.text}"']
    found = []
    if any(t.kind == "percent" for t in near) and any(t.bare in ("tip", "commission", "gratuity") for t in near):
        found.append(f'percentage "{token.text}%"')
    then = doc.next_solid(i, 2)
    if token.kind == "number" and after is not None and _at_least_ten(token.text):
        per = after.bare in ("pp", "p.p", "each", "ea") or (
            (after.bare in ("per", "a") or after.kind == "slash") and then is not None and then.bare in RATE_UNITS
        )
        if per:
            found.append(f'per-unit rate "{token.text} {after.text}"')
    before = doc.next_solid(i, -1)
    if before is not None and before.bare in ("her", "his", "their", "the", "a") and doc.next_solid(i, -2) is not None:
        before = doc.next_solid(i, -2)  # "gets her 300"
    bare_amount = after is None or after.kind != "word" or after.bare in ("each", "cash", "and", "plus")
    if before is not None and before.bare in PAYMENT_VERBS and (bare_amount or doc.right_after(i) is not after):
        found.append(f'payment "{before.text} {token.text}"')
    if before is not None and before.bare in PAYEES and _at_least_ten(token.text) and bare_amount:
        found.append(f'pay "{before.text} {token.text}"')
    tail = [doc.next_solid(i, k) for k in (1, 2, 3)]
    words = [t.bare for t in tail if t is not None]
    if (words[:1] == ["to"] and set(words[1:3]) & PAYEES) or (words[:1] == ["for"] and set(words[1:3]) & ROLES):
        found.append(f'payment "{token.text} {" ".join(words)}"')
    return found


def _at_least_ten(number: str) -> bool:
    return len(re.sub(r"\D", "", number)) >= 2


def _name_parts(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [part.lower() for part in re.split(r"[\s_\-.]+", spaced) if part]


def record_money_findings(record: Any, *, path: str = "") -> list[str]:
    """Findings for every string value of a crew-facing record (recursively) and every field name."""
    findings: list[str] = []
    if isinstance(record, dict):
        for key, value in record.items():
            name = str(key)
            where = f"{path}.{name}" if path else name
            if any(part in FINANCIAL_TERMS for part in _name_parts(name)):
                findings.append(f'{where}: field name "{name}"')
            findings.extend(record_money_findings(value, path=where))
    elif isinstance(record, list | tuple):
        for index, value in enumerate(record):
            findings.extend(record_money_findings(value, path=f"{path}[{index}]"))
    elif isinstance(record, str):
        findings.extend(f"{path or 'text'}: {finding}" for finding in money_findings(record))
    return findings
