"""What money looks like in charter notes, and what operational numbers look like: the scrubber's patterns.

``crew.scrub`` runs these; they live apart so that the algorithm reads on one screen. Every
pattern is compiled once at import. The word sets at the end let the scrubber skip, with a set
lookup, every finder whose starting words are not in a text — most notes are operational, and
trying a large regex alternation at every position is what would make the store slow.

The independent check, ``crew.money_check``, deliberately shares nothing with this module.
"""

from __future__ import annotations

import re


def word_set(text: str) -> frozenset[str]:
    """A word list written as one string, the way a person reads it."""
    return frozenset(text.split())


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
PROTECT = re.compile(
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
# (``LABEL_BEFORE``), which is far cheaper than trying every label at every position.
MONEY = re.compile(
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
NEEDS_LABEL = re.compile(rf"\(?(?:{_BARE}{_PER}?{_PCT}?|{_BARE_WORDS})\)?{_RIGHT}", _I)
LABEL_BEFORE = re.compile(rf"{_LABEL}{_GLUE}\(?\Z", _I)
LOOK_BACK = 60  # characters: the longest label and glue ("Boatsetter captain fee was about ")
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
FINDERS: tuple[tuple[re.Pattern[str], frozenset[str] | None], ...] = ()  # set below, with the word sets
# Nothing any finder needs is in the text: it is returned untouched without further work. A
# set lookup over its words is much cheaper than a regex alternation tried at every position.
SIGNAL_CHARS = re.compile(r"[$€£¥₹₩₱₪฿₣/%]|\d ?[kK]\b|\d[.,][-–—]")
WORD_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
SIGNAL_WORDS = word_set("""revenue revenues rev fee fees payout payouts pay paid price prices priced pricing rate rates tip tips
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
FIN_WORDS = word_set("""revenue revenues rev fee fees payout payouts pay paid price prices priced pricing rate rates tip tips
    tipped gratuity gratuities grat deposit deposits dep balance balances bal commission commissions comm
    total totals subtotal subtotals cost costs owed owe owes owing payment payments charge charges charged
    earnings earning income profit profits margin margins refund refunds refunded invoice invoiced salary
    wage wages bonus bonuses cash net gross surcharge surcharges quote quoted budget cf amount due take cut
    split share value payable remittance pmt amt pd pif preis prix tarif umsatz trinkgeld anzahlung acompte
    pourboire netto brutto kaution propina precio out""")
NUMBER_WORDS = word_set("""a an one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
    seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand
    few couple several half""")


MONEY_CHARS = re.compile(r"[$€£¥₹₩₱₪฿₣]|\d ?[kK]\b|\d[.,][-–—]")
_MONEY_STARTS = word_set("""usd eur gbp cad aud nzd mxn jpy chf sek nok dkk sfr fr frs dollar dollars buck bucks euro euros franc
    francs pound pounds quid peso pesos cent cents grand smackers""")
_ROLE_WORDS = word_set(
    "captain capt cap skipper crew mate deckhand deckhands owner office boat us me him her them stew steward chef host"
)
_PAY_WORDS = word_set("gets get receives receive makes make earns earn takes take got owed owes owe paid")
FINDERS = (
    (MONEY, _MONEY_STARTS),
    (_NUMBER_LABEL, FIN_WORDS),
    (_RATE, None),
    (_PAID_TO, _ROLE_WORDS | _PAY_WORDS),
    (_KEY_VALUE, FIN_WORDS),
    (_ROLE_PAY, _ROLE_WORDS | {"first", "mates", "deckhands", "captains", "stews"}),
)
# A role word ("crew", "captain") is a money signal only with a payment around it: a pay verb,
# "to"/"for" ("300 to the captain"), or a number right after it ("Deckhand 150").
ROLE_WORDS = _ROLE_WORDS
PLAIN_SIGNAL_WORDS = SIGNAL_WORDS - _ROLE_WORDS
ROLE_PAY_WORDS = _PAY_WORDS | {"to", "for"}
ROLE_NUMBER = re.compile(
    r"\b(?:captain|capt|skipper|mate|deckhand|stew|steward|chef|host)s?\b\W{0,3}\(?\d", re.IGNORECASE
)
