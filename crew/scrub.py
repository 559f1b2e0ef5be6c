"""Taking money out of free text before crew see it: the financial *phrase* goes, and the rest reads on.

Why it looks like this: charter notes are typed by office staff, pasted from marketplace
e-mails and forwarded threads; they mix the operational ("meet at dock 7 at 14:00, party of
6") with the financial ("Revenue $1,450, captain fee $300"). Replacing only the digits told
every deckhand that there *was* a captain fee ("captain fee [removed]"), so ``scrub_text``
removes each financial phrase whole — the amount, the words that label it, the separators
left dangling — and tidies what is left:

    "Revenue $1,450, captain fee $300 — meet at dock 7 at 14:00, party of 6. 2 coolers."
    → "Meet at dock 7 at 14:00, party of 6. 2 coolers."

How, in three steps (each a handful of precompiled regexes, so the store and backfill stay
cheap):

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

import re
from collections.abc import Iterable


def _words(text: str) -> frozenset[str]:
    """A word list written as one string, the way a person reads it."""
    return frozenset(text.split())


# Kept for callers that still import it: the scrubber itself no longer writes any marker.
REMOVED = "[removed]"

_I = re.IGNORECASE
_SP = r"[ \t\u00a0\u202f]"  # spaces inside a phrase; a newline only where a rule says so

# --- numbers ----------------------------------------------------------------------------------
_UNITS_W = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
)
# "five hundred", "fifteen hundred", "a couple hundred", "twenty-five", "a few thousand", "a"
_WORD_NUM = (
    rf"(?:(?:a|an|a\s+few|a\s+couple(?:\s+of)?|few|couple|several|half\s+a|{_UNITS_W})"
    rf"(?:[ -](?:{_UNITS_W}|hundred|thousand|and))*)"
)
_NUM = (
    r"(?:\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?"  # 1,450 / 1,450.00
    r"|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?"  # 1.450,00
    r"|\d{1,3}(?:['’]\d{3})+(?:\.\d{1,2})?"  # 1'450 / 1'450.50
    r"|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?"  # 1 450
    r"|\d+(?:[.,]\d+)?)"  # 1450 / 1450.5 / 0,99
    r"(?:[.,][-–—]{1,2}(?![\d\w]))?"  # 300,-  1'450.–
)
_SCALE = rf"(?:{_SP}?[kK]\b|{_SP}(?:grand|thousand|million|mil|bn)\b)"
_AMT = rf"(?:{_NUM}{_SCALE}?)"
_NOT_MORE = r"(?![\w:]|[.,/'’]\d)"  # not glued to more digits, a time, a word

# --- currency markers -------------------------------------------------------------------------
_SYMBOL = r"(?:[A-Z]{1,3}\$|\$|€|£|¥|₹|₩|₱|₪|฿|₣)"
_CODE = r"(?:USD|EUR|GBP|CAD|AUD|NZD|MXN|JPY|CHF|SEK|NOK|DKK|SFR|SFr\.?|(?-i:Fr|Frs)\.?)"
_MONEY_WORD = r"(?:dollars?|bucks?|euros?|francs?|pounds?|quid|pesos?|cents?|grand|smackers)"
_MARK_BEFORE = rf"(?:{_SYMBOL}|\(?\b{_CODE}\)?(?![A-Za-z]))"
_MARK_AFTER = rf"(?:{_SYMBOL}|\(?\b{_CODE}\b\)?|\(?\b{_MONEY_WORD}\b\)?)"

# --- financial labels -------------------------------------------------------------------------
_FIN = (
    r"(?:revenues?|rev|fees?|payouts?|pay[ -]?outs?|paid\s+out|prices?|priced|pricing|rates?|tips?|tipped|"
    r"gratuit(?:y|ies)|grat|deposits?|dep|balances?|bal|commissions?|comm|totals?|subtotals?|costs?|"
    r"paid|owed|owes?|owing|payments?|pay|charges?|charged|earnings?|income|profits?|margins?|refunds?|"
    r"refunded|invoiced?|salary|wages?|bonus(?:es)?|cash|net|gross|surcharges?|quoted?|budget|cf|"
    r"amount|due|take|cut|split|share|value|payable|remittance|pmt|amt|pd|pif|"
    r"preis|prix|tarif|umsatz|trinkgeld|anzahlung|acompte|pourboire|netto|brutto|kaution|propina|precio)"
)
_MODIFIER = (
    r"(?:captain'?s?|capt\.?|cap|skipper'?s?|crew|mate'?s?|deckhand'?s?|booking|cleaning|fuel|service|"
    r"marketplace|platform|boatsetter|getmyboat|gmb|owner'?s?|total|net|gross|est\.?|estimated|approx\.?|"
    r"base|hourly|daily|nightly|extra|our|their|his|her|my|the|guest'?s?|final|remaining|agreed|"
    r"expected|charter|trip|late|cancellation|security|damage|day|half[ -]day|full[ -]day)"
)
_LABEL = rf"(?:\b(?:(?:{_MODIFIER}|{_FIN}|venmo|zelle|paypal|card|wire|transfer){_SP}+){{0,2}}{_FIN}\b)"
_FILLER = (
    r"(?:is|was|were|are|be|will\s+be|of|about|around|approx\.?|approximately|roughly|at|to|the|a|an|"
    r"in|for|per|each|total|amount|due|now|only|just|comes\s+to|came\s+to|paid|owed|net|gross|"
    r"expected|estimated|est\.?|say|was\s+about|of\s+about|set\s+at|agreed|upfront|in\s+full|this|that|so\s+far|trip|"
    r"month|week|season|per\s+(?:head|person|guest|hour|day|night))"
)
# between a label and its amount: "Fee:300", "tip was 50", "paid in full: 1450", "Revenue:\n1450"
_GLUE = (
    rf"(?:{_SP}+(?:{_FILLER}(?=[ \t:=\n])[ \t]*)*)?"
    rf"(?:{_SP}*(?:[:=~≈]|[-–—]|\()?{_SP}*(?:\n{_SP}*)?)"
)
_PER = (
    rf"(?:{_SP}*(?:/|per{_SP}+|a{_SP}+)(?:day|hr|hour|h|night|week|wk|person|pers|head|pax|guest|trip|"
    rf"charter|boat|month)\b|{_SP}+pro{_SP}+(?:Stunde|Tag|Person|Kopf)\b|{_SP}+pp\b|{_SP}*p\.p\.|{_SP}+(?:each|ea)\b)"
)
_RIGHT = (
    rf"(?:{_SP}*\((?:non-?)?refundable\))?"
    rf"(?:{_SP}+(?:incl\.?|including|inc\.){_SP}+(?:the{_SP}+)?[a-z]+\b)?"
    rf"(?:{_SP}+(?:is|was|are){_SP}+(?:fine|ok|okay|agreed|confirmed|correct|right)\b)?"
    rf"(?:{_SP}+(?:issued|received|collected|transferred|pending|refunded)\b)?"
    rf"(?:{_SP}+(?:cash|in{_SP}+cash|each|ea|flat|total|plus{_SP}+tax|\+{_SP}*tax|incl\.?{_SP}+tax)\b"
    rf"|{_SP}+(?:due|owed|paid|upfront|up{_SP}+front|to\s+collect)(?={_SP}*(?:[,.;!?)\n—–|]|$)))*"
)
_LABEL_AFTER = rf"(?:{_SP}+(?:(?:in|of|for|as){_SP}+)?{_LABEL})?"
_PCT = rf"(?:{_SP}?(?:%|pct\b|percent\b|per{_SP}?cent\b))"

# --- operational shapes (protected) -----------------------------------------------------------
_OP_UNIT = (
    r"(?:guests?|people|persons?|pax|adults?|kids?|children|passengers?|crew|hours?|hrs?|h|minutes?|mins?|"
    r"seconds?|days?|nights?|weeks?|ft|feet|foot|'|m|meters?|metres?|knots?|kts?|kn|nm|miles?|mi|km|"
    r"gallons?|gal|liters?|litres?|l|coolers?|bags?|boxes|cases?|bottles?|cans?|kegs?|towels?|chairs?|"
    r"tables?|life\s?jackets?|jackets?|paddleboards?|boards?|kayaks?|tanks?|lines?|fenders?|cars?|"
    r"spaces?|spots?|stops?|legs?|loads?|trips?|sails?|pieces?|pcs|items?|bundles?|packs?|lbs?|pounds?\s+of|"
    r"kg|degrees?|°|x\b|birthday|th|st|nd|rd|yo|years?|yrs?|mph|psi|amps?|volts?|v)"
)
_OP_LABEL = (
    r"(?:dock|slip|berth|pier|gate|ch\.?|channel|vhf|party\s+of|group\s+of|table|row|seat|lot|spot|space|"
    r"bay|mooring|buoy|marker|deck|cabin|suite|unit|apt\.?|room|exit|hwy|highway|route|i-|no\.|number|#|"
    r"level|floor|zone|berth\s+no\.?|g|site|stall|line|bus|flight|ext\.?|code|pin|box|locker|key)"
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_PROTECT = re.compile(
    "|".join(
        (
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?",
            r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?(?:\s?[-–]\s?\d{1,2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?)?",
            r"\b\d{1,2}(?:\s?[-–]\s?\d{1,2})?\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)",
            r"\b\d{1,2}h\d{2}\b",
            r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
            r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b",
            rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b",
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:\s+\d{{4}})?",
            r"(?:\+\d{1,3}[ .-]?)?\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b",
            r"\+\d{1,3}(?:[ .-]?\d{2,4}){2,5}\b",
            r"\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\.?\s+){1,3}(?:St|Street|Ave|Avenue|Dr|Drive|Rd|Road|Blvd|"
            r"Boulevard|Way|Ln|Lane|Ct|Court|Pl|Place|Hwy|Pkwy|Parkway|Cir|Circle|Ter|Terrace)\b\.?",
            rf"\b{_OP_LABEL}\s*#?\s*[A-Z]?-?\d+(?:[A-Z]\b|-\d+|[-/][A-Z]?\d+)*",
            rf"(?<![\w$€£¥.,'’=])\d+(?:[.,]\d+)?(?:\s?[-–]\s?\d+(?:[.,]\d+)?)?\s?{_OP_UNIT}(?![\w'])",
            r"\b[A-Z]{1,3}-\d+\b",
            r"\b\d+(?:st|nd|rd|th)\b",
        )
    ),
    _I,
)

# --- financial phrases (each a precompiled regex; the spans are united) -----------------------
_BARE = rf"(?<![\w.,'’])[+-]?{_AMT}(?:{_SP}*[-–—]{_SP}*{_AMT}|{_SP}+(?:to|or){_SP}+{_AMT})?{_NOT_MORE}"
_BARE_WORDS = rf"\b{_WORD_NUM}(?={_SP}*(?:[,.;!?)\n—–|]|$|{_SP}(?:{_MONEY_WORD}|cash|each|and|or|plus)\b))"
_RANGE_TAIL = rf"(?:{_SP}*(?:[-–—]|to|or){_SP}*{_SYMBOL}?{_SP}?{_AMT})?"
# Each finder matches the amount; the label in front of it is found by looking back
# (``_LABEL_BEFORE``), which is far cheaper than trying every label at every position.
_MONEY = re.compile(
    "|".join(
        (
            # $1,450  US$ 300  €200  $300–400  CHF 1'450.–  Fr. 300  (USD) 300  $1.2k  $300 USD
            rf"[+-]?{_MARK_BEFORE}{_SP}?[+-]?{_AMT}{_RANGE_TAIL}"
            rf"(?:{_SP}?{_MARK_AFTER}){{0,2}}{_PER}?{_PCT}?{_LABEL_AFTER}{_RIGHT}",
            # 1,450 USD  300$  1 450 €  300-400 dollars  1450 (USD)  2k dollars  300 francs
            rf"(?<![\w.,'’])[+-]?{_AMT}{_RANGE_TAIL}(?:{_SP}?{_MARK_AFTER}){{1,2}}{_PER}?{_LABEL_AFTER}{_RIGHT}",
            # fifteen hundred dollars, five hundred bucks, a couple hundred euros
            rf"\b{_WORD_NUM}{_SP}+(?:{_MONEY_WORD}|{_CODE})\b{_PER}?{_LABEL_AFTER}{_RIGHT}",
            # a grand, two grand, 2 grand (not "a grand tour")
            rf"\b(?:{_WORD_NUM}|\d+(?:\.\d)?){_SP}+grand\b"
            rf"(?!{_SP}+(?!(?:cash|each|total|tip|plus|and|for|to|in|per|a|an|the|on|at|or|if)\b)[a-z]{{3,}})",
            # 1.2k, 15K (shorthand for thousands is money in charter notes)
            rf"(?<![\w.,])\d+(?:[.,]\d+)?{_SP}?[kK]\b{_PER}?{_LABEL_AFTER}{_RIGHT}",
            # 300,-  1'450.–
            r"(?<![\w.,'’])\d{1,3}(?:['’.,]?\d{3})*[.,][-–—]{1,2}(?![\d\w])",
        )
    ),
    _I,
)
# Amounts that are money only with a label in front: Fee:300  rev: 1450  CF 300  tip 50-100
# revenue (1450)  Revenue:\n1450  commission 15%  tip fifty
_NEEDS_LABEL = re.compile(rf"\(?(?:{_BARE}{_PER}?{_PCT}?|{_BARE_WORDS})\)?{_RIGHT}", _I)
_LABEL_BEFORE = re.compile(rf"{_LABEL}{_GLUE}\(?\Z", _I)
_LOOK_BACK = 60  # characters: the longest label and glue ("Boatsetter captain fee was about ")
# 300 in fees  15 pct tip  20% commission  1450 revenue  $300 captain fee  1,450.00 total
_NUMBER_LABEL = re.compile(
    rf"(?<![\w.,'’])[+-]?(?:\d{{1,3}}(?:[,.'’ ]\d{{3}})+(?:[.,]\d{{1,2}})?|\d+[.,]\d{{2}}|\d{{3,}})"
    rf"{_SCALE}?{_SP}+(?:totals?|subtotal)\b"
    rf"|(?=\d{{2}}|\d[.,'’ ]\d|\d{_PCT}){_BARE}{_PER}?{_PCT}?{_SP}*(?:(?:in|of|for|as|the|captain'?s?|crew|mate'?s?|deckhand'?s?)"
    rf"{_SP}+){{0,2}}(?!totals?\b){_FIN}\b{_RIGHT}",
    _I,
)
# 1450/day  150 pp  85 per person  (a bare per-unit rate of 10 or more is a price)
_RATE = re.compile(rf"(?<![\w.,'’])[+-]?(?:[1-9]\d+|\d+[.,]\d{{2}}|{_NUM}){_NOT_MORE.replace('/', '')}{_PER}", _I)
_ROLES = r"(?:captain|capt\.?|cap|skipper|crew|mate|first\s+mate|deckhands?|owner)"
_PEOPLE = rf"(?:{_ROLES}|office|boat|us|me|him|her|them)"
_PAY_VERB = (
    rf"(?:gets?|receives?|makes?|earns?|takes?|got|is{_SP}+owed|is{_SP}+paid|gets{_SP}+paid|will{_SP}+get|"
    rf"should{_SP}+get|owes?)"
)
# captain gets 300 / crew gets 50 each / Mike gets two hundred / 300 to the captain / 200 for the mate
_PAID_TO = re.compile(
    rf"\b(?:the{_SP}+)?(?:{_PEOPLE}|[A-Z][a-z]+|each|everyone){_SP}+{_PAY_VERB}{_SP}+(?:(?:her|his|their|the|a){_SP}+)?"
    rf"(?:{_BARE}|{_BARE_WORDS}){_PER}?{_RIGHT}"
    rf"|(?:{_BARE}|\b{_WORD_NUM}){_SP}+(?:to{_SP}+(?:the{_SP}+)?{_PEOPLE}|for{_SP}+(?:the{_SP}+)?{_ROLES})\b(?!{_SP}*'s)",
    _I,
)
# "price": 300   "captain_fee": "300"   captainFee=300   'total_usd': '1450.00'
_KEY_VALUE = re.compile(
    rf"[\"']?(?<![A-Za-z_])(?:[A-Za-z]+_|(?-i:[a-z]+(?=[A-Z])))*{_FIN}(?:_[A-Za-z]+|(?-i:[A-Z][a-z]+))*\b[\"']?{_SP}*[:=]{_SP}*"
    rf"[\"']?{_SP}*(?:{_MARK_BEFORE}{_SP}?)?[+-]?{_AMT}(?:{_SP}?{_MARK_AFTER})?{_SP}*[\"']?",
    _I,
)
# Deckhand 150 / Captain: 300 (a role and a bare amount: pay, not a head count)
_ROLE_PAY = re.compile(
    rf"\b(?:captain|capt\.?|skipper|first{_SP}+mate|mate|deckhand|stew(?:ard)?|chef|host)s?"
    rf"(?:{_SP}*[:=]{_SP}*|{_SP}+)\(?(?<![\w.,'’])[+-]?(?:\d{{1,3}}(?:[,.'’]\d{{3}})+|\d{{2,}})(?:[.,]\d{{2}})?{_NOT_MORE}"
    rf"(?!{_SP}*(?:[A-Za-z]|\())\)?{_PER}?{_RIGHT}",
    _I,
)
_FINDERS: tuple[tuple[re.Pattern[str], frozenset[str] | None], ...] = ()  # set below, with the word sets
# Nothing any finder needs is in the text: it is returned untouched without further work. A
# set lookup over its words is much cheaper than a regex alternation tried at every position.
_SIGNAL_CHARS = re.compile(r"[$€£¥₹₩₱₪฿₣/%]|\d ?[kK]\b|\d[.,][-–—]")
_WORD_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_SIGNAL_WORDS = _words("""revenue revenues rev fee fees payout payouts pay paid price prices priced pricing rate rates tip tips
    tipped gratuity gratuities grat deposit deposits dep balance balances bal commission commissions comm
    total totals subtotal subtotals cost costs costing owed owe owes owing payment payments charge charges
    charged earnings earning income profit profits margin margins refund refunds refunded invoice invoiced
    salary wage wages bonus bonuses cash net gross surcharge surcharges quote quoted budget cf amount due
    take cut split share value payable remittance pmt amt pd pif preis prix tarif umsatz trinkgeld anzahlung
    acompte pourboire netto brutto kaution propina precio usd eur gbp cad aud nzd mxn jpy chf sek nok dkk
    sfr fr frs dollar dollars buck bucks euro euros franc francs pound pounds quid peso pesos cent cents
    grand smackers per pp each ea pro pct percent captain capt cap skipper crew mate deckhand deckhands
    owner office boat us me him her them stew steward chef host gets get receives receive makes make earns
    earn takes got paid""")
_FIN_WORDS = _words("""revenue revenues rev fee fees payout payouts pay paid price prices priced pricing rate rates tip tips
    tipped gratuity gratuities grat deposit deposits dep balance balances bal commission commissions comm
    total totals subtotal subtotals cost costs owed owe owes owing payment payments charge charges charged
    earnings earning income profit profits margin margins refund refunds refunded invoice invoiced salary
    wage wages bonus bonuses cash net gross surcharge surcharges quote quoted budget cf amount due take cut
    split share value payable remittance pmt amt pd pif preis prix tarif umsatz trinkgeld anzahlung acompte
    pourboire netto brutto kaution propina precio out""")
_NUMBER_WORDS = _words("""a an one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
    seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand
    few couple several half""")


_MONEY_CHARS = re.compile(r"[$€£¥₹₩₱₪฿₣]|\d ?[kK]\b|\d[.,][-–—]")
_MONEY_STARTS = _words("""usd eur gbp cad aud nzd mxn jpy chf sek nok dkk sfr fr frs dollar dollars buck bucks euro euros franc
    francs pound pounds quid peso pesos cent cents grand smackers""")
_ROLE_WORDS = _words(
    "captain capt cap skipper crew mate deckhand deckhands owner office boat us me him her them stew steward chef host"
)
_PAY_WORDS = _words("gets get receives receive makes make earns earn takes take got owed owes owe paid")
_FINDERS = (
    (_MONEY, _MONEY_STARTS),
    (_NUMBER_LABEL, _FIN_WORDS),
    (_RATE, None),
    (_PAID_TO, _ROLE_WORDS | _PAY_WORDS),
    (_KEY_VALUE, _FIN_WORDS),
    (_ROLE_PAY, _ROLE_WORDS | {"first", "mates", "deckhands", "captains", "stews"}),
)


def _worth_scanning(text: str) -> bool:
    """Could any finder match? (An amount and a money signal must both be there.)"""
    words = {w.lower() for w in _WORD_PARTS.findall(text)}
    has_amount = any(c.isdigit() for c in text) or not words.isdisjoint(_NUMBER_WORDS)
    return has_amount and (_SIGNAL_CHARS.search(text) is not None or not words.isdisjoint(_SIGNAL_WORDS))


# --- tidying ----------------------------------------------------------------------------------
_GONE = "\x00"
_SEPS = ",;:.!?—–|/\n-"
_CONN = r"(?:(?:and|plus|with|incl|including|also|or|but|then|x)\b\.?|&|\+|×|w/)"
_SEP_CLASS = r"[,;:.!?—–|(\n]"
_CONNECTOR_BEFORE = re.compile(rf"(?:^|(?<={_SEP_CLASS}))[ \t]*{_CONN}(?=[ \t]*{_GONE})", _I)
_CONNECTOR_AFTER = re.compile(rf"(?<={_GONE})[ \t]*{_CONN}(?=[ \t]*(?:[,;:.!?—–|)\n]|$))", _I)
_CONNECTOR_TRAILING = re.compile(rf"[ \t]+{_CONN}[ \t]*(?={_GONE}+[ \t]*(?:[,;:.!?—–|)\n]|$))", _I)
_CONNECTOR_TWICE = re.compile(
    rf"(?:(?<=\band)|(?<=\bplus)|(?<=\bthen))[ \t]+{_GONE}+[ \t]+{_CONN}(?=\s)", _I
)  # "and ⌫ and"
_CONNECTOR_BETWEEN = re.compile(rf"(?<={_GONE})[ \t]+{_CONN}[ \t]+(?={_GONE})", _I)
_LEADING_CONNECTOR = re.compile(
    rf"(?:^|(?<=[.!?\n(]))(?:[ \t]*(?:[-*•]|\d{{1,2}}[.)])[ \t]+)?[ \t]*{_GONE}[{_GONE}\s,;:—–]*?({_CONN})[ \t]", _I
)
_EMPTY_BRACKETS = re.compile(
    rf"[(\[{{][\s{_GONE},;:]*{_GONE}[\s{_GONE},;:]*[)\]}}]|[\"“'][\s{_GONE},;:.!?]*{_GONE}[\s{_GONE},;:.!?]*[\"”']"
)
_GAP = re.compile(rf"[\s,;:.!?—–|/\-{_GONE}]*{_GONE}[\s,;:.!?—–|/\-{_GONE}]*")
# where a clause ends for the whole-clause rule: punctuation, or a connector ("… and call Sam")
_CLAUSE_BREAK = re.compile(r"[,;!?\n|—–{}\[\]\"]|\.(?=[\s\"]|$)|\b(?:and|then|plus|but|also)\b|&", _I)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_BULLET = re.compile(r"[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]+")
_LINE_BULLET = re.compile(r"^[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]+", re.MULTILINE)
_BULLET_HELD = "\x01"
_OPENERS = "([{\"“'" + _BULLET_HELD  # a gap right after one of these starts a new stretch of text
_FILLER_WORDS = _words(
    "a an the and or for of to at in on is was are be will with plus also as from by it its this that "
    "per each total so just only then but"
)
_STRENGTH = {".": 6, "!": 6, "?": 6, ";": 4, "—": 3, "–": 3, "-": 3, ":": 2, ",": 2, "/": 1, "|": 1}


def _protected_mask(text: str) -> str:
    """``text`` with the digits of every operational shape replaced, so no money rule can take them."""
    pieces: list[str] = []
    last = 0
    for match in _PROTECT.finditer(text):
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

    words = {w.lower() for w in _WORD_PARTS.findall(text)}
    for finder, needs in _FINDERS:
        if needs is not None and words.isdisjoint(needs) and not (finder is _MONEY and _MONEY_CHARS.search(text)):
            continue  # the words this finder starts from are not in the text
        for match in finder.finditer(masked):
            start = match.start()
            label = _label_start(masked, start)
            add(start if label is None else label, match.end())
    for match in _NEEDS_LABEL.finditer(masked) if not words.isdisjoint(_FIN_WORDS) else ():
        label = _label_start(masked, match.start())
        if label is not None:
            add(label, match.end())
    spans = _merge(spans)
    return _merge([*spans, *_repeated(masked, text, spans)]) if spans else spans


def _label_start(masked: str, start: int) -> int | None:
    """Where the financial label right before ``start`` begins ("Captain fee: " before "$300")."""
    low = max(0, start - _LOOK_BACK)
    if _FIN_WORDS.isdisjoint(w.lower() for w in _WORD_PARTS.findall(masked, low, start)):
        return None  # no financial word in reach: skip the regex
    found = _LABEL_BEFORE.search(masked, low, start)
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
    if not text or not _worth_scanning(text):
        return text
    return _scrub(text)[0]


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
