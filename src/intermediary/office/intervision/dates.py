"""Dates and times: the day something happened narrows down who was there.

Exact dates in Dutch and English forms (``12-03-2026``, ``12 maart``, ``March 12th``,
``the 3rd of February``, ``di 3 feb``, ``dinsdag de 24e``), day ranges (``2-5
februari``, ``9 t/m 11 april``, ``op 2-5``) and weekday names (not "every Monday") →
``[date]``. **A month with its year becomes its quarter** ("since March 2026" → "since
Q1 2026", "november vorig jaar" → "4e kwartaal vorig jaar"): the period stays useful
for intervision, the day is gone; a month or a year alone stays, as do *yesterday* and
*last week*. Times (``10:15``, ``3pm``, ``om 9 uur``, ``half negen``, ``kwart over
drie``, ``half past eight``, an hour after *at*, *om*, *until*… that ends a clause, an
hour right after a date) → ``[time]``; they run after deduce, which reads dates too.
"""

from __future__ import annotations

import re

from intermediary.office.intervision.mask import DATE, Decision, Masked, Rule, Span, group

__all__ = ["DATE_RULES", "MONTH_NAMES", "TIME_RULES", "quarters"]

_MONTHS = {
    **dict.fromkeys(("january", "januari", "jan"), 1),
    **dict.fromkeys(("february", "februari", "feb"), 2),
    **dict.fromkeys(("march", "maart", "mar", "mrt"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("may", "mei"), 5),
    **dict.fromkeys(("june", "juni", "jun"), 6),
    **dict.fromkeys(("july", "juli", "jul"), 7),
    **dict.fromkeys(("august", "augustus", "aug"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("october", "oktober", "oct", "okt"), 10),
    **dict.fromkeys(("november", "nov"), 11),
    **dict.fromkeys(("december", "dec"), 12),
}
MONTH_NAMES = frozenset(
    m for m in _MONTHS if len(m) > 4 or m in ("mei", "may", "june", "juni", "july", "juli")
)
_MONTH = (
    "(?:"
    + "|".join(sorted(_MONTHS, key=lambda m: (-len(m), m)))
    + r")(?:\.(?=[ \t]*\d))?"  # "Mar. 12", but a full stop ending a sentence stays
)
_WEEKDAY = (
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
    r"|(?:maan|dins|woens|donder|vrij|zater|zon)dag\w*"
)
_WEEKDAY_SHORT = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|ma|di|wo|do|vr|za|zo)"
_ORDINAL = r"(?:st|nd|rd|th|e|ste|de)"
_UNTIL = r"(?:-|–|t/m|tot\s+en\s+met|tot|to|until|till|through)"
_DATE_WORDS = (
    r"(?:op|on|per|sinds|since|vanaf|from|tot|until|till|t/m|voor|na|before|after|by|"
    r"uiterlijk|vóór)"
)


def _day_month(match: re.Match[str]) -> Decision:
    day, month = int(match.group("d")), int(match.group("m"))
    if 1 <= day <= 31 and 1 <= month <= 12:
        return [(match.start("d"), match.end(), "date")]
    return None


DATE_RULES: list[Rule] = [
    (re.compile(rf"\b{_WEEKDAY_SHORT}\.?(?=[ \t]+\d)", re.I), "date"),
    (
        re.compile(
            r"\b\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
        ),
        "date",
    ),
    (re.compile(r"\b\d{4}/\d{1,2}/\d{1,2}\b"), "date"),
    (re.compile(r"\b\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?![\d.]\d)"), "date"),
    # ranges of days: "2-5 februari", "9 t/m 11 april", "March 2-5"
    (
        re.compile(
            rf"\b\d{{1,2}}{_ORDINAL}?[ \t]*{_UNTIL}[ \t]*\d{{1,2}}{_ORDINAL}?(?:\s+of)?\s+{_MONTH}"
            r"(?:,?\s+(?:\d{4}|'\d{2}))?(?!\w)",
            re.I,
        ),
        "date",
    ),
    (
        re.compile(
            rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?[ \t]*[-–][ \t]*\d{{1,2}}(?:st|nd|rd|th)?\b",
            re.I,
        ),
        "date",
    ),
    (
        re.compile(
            rf"\b(?:the\s+)?\d{{1,2}}{_ORDINAL}?(?:\s+of)?\s+{_MONTH}(?:,?\s+(?:\d{{4}}|'\d{{2}}))?(?!\w)",
            re.I,
        ),
        "date",
    ),
    (
        re.compile(
            rf"\b{_MONTH}\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?(?![\d:])(?:,?\s+\d{{4}})?\b", re.I
        ),
        "date",
    ),
    (re.compile(r"(?<![\d/])(?P<d>\d{1,2})/(?P<m>\d{1,2})(?![\d/])"), _day_month),
    # "op 2-5": a day and a month after a word that introduces a date
    (
        re.compile(rf"\b{_DATE_WORDS}[ \t]+(?P<d>\d{{1,2}})[-–](?P<m>\d{{1,2}})(?![\d/-])", re.I),
        _day_month,
    ),
    (re.compile(r"\b(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b", re.I), "date"),
    # "de 24e", "op de 3e" (not "de 14e verdieping")
    (re.compile(r"\b(?:op\s+)?de\s+\d{1,2}(?:e|ste|de)\b(?![ \t]+[a-z])", re.I), "date"),
    # a weekday, not a habit ("every Saturday", "elke maandag", "on Saturdays")
    (
        re.compile(
            rf"(?<!\bevery )(?<!\belke )(?<!\bieder )(?<!\biedere )(?<!\beach )"
            rf"\b(?:{_WEEKDAY})\b",
            re.I,
        ),
        "date",
    ),
]

_MONTH_YEAR = re.compile(
    rf"\b(?P<month>{_MONTH})\.?[ \t]+(?:(?P<year>(?:19|20)\d\d)\b|['’](?P<short>\d\d)\b"
    r"|(?P<relative>(?:vorig|afgelopen|dit|volgend|komend)[ \t]+jaar"
    r"|(?:of[ \t]+)?(?:last|this|next)[ \t]+year)\b)",
    re.I,
)


def quarters(masked: Masked) -> None:
    """A month with a year becomes its quarter: "maart 2026" → "Q1 2026"."""
    spans: list[Span] = []
    for match in _MONTH_YEAR.finditer(masked.view):
        month = _MONTHS.get(match.group("month").rstrip(".").casefold())
        if month is None:
            continue
        quarter = (month - 1) // 3 + 1
        start = match.start("month")
        if match.group("year") or match.group("short"):
            year = match.group("year") or "20" + match.group("short")
            masked.quarters[start] = (quarter, year)
            spans.append((start, match.end(), "quarter"))
        else:  # "november vorig jaar": the quarter, and "vorig jaar" stays
            masked.quarters[start] = (quarter, None)
            spans.append((start, match.end("month"), "quarter"))
    masked.mask(spans)


# --- times ------------------------------------------------------------------------------

_HOURS_NL = "een|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf"
_HOURS_EN = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_HOUR = rf"(?:{_HOURS_NL}|{_HOURS_EN}|[01]?\d|2[0-4])"
_NOT_AN_AMOUNT = (
    r"(?![ \t]+(?:people|persons|employees|staff|colleagues|minutes|hours|days|weeks|months|"
    r"years|times|euros?|percent|mensen|personen|collega'?s|minuten|uren|dagen|weken|maanden|"
    r"jaar|keer|euro|procent)\b)"
)
_AT = (
    r"(?:at|around|by|until|till|before|after|from|om|rond|tegen|tot|vanaf|na|voor|tussen|between)"
)
#: what may follow an hour that ends a clause ("at 6 so we can't leave")
_CLAUSE_END = (
    r"(?=[ \t]*(?:[.,;:!?)]|\n|$)|[ \t]+(?:so|and|or|but|then|to|is|was|on|in|at|en|of|maar|"
    r"dan|tot|is|op|om|'s|tonight|today|tomorrow|vanavond|vandaag|morgen)\b)"
)

TIME_RULES: list[Rule] = [
    (
        re.compile(
            r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:uur|u|h|am|pm|a\.m\.|p\.m\.)(?!\w))?", re.I
        ),
        "time",
    ),
    (re.compile(r"\b\d{1,2}(?:[.:]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|o'clock)(?!\w)", re.I), "time"),
    (re.compile(r"\b\d{1,2}\.\d{2}\s*(?:uur|u|h)(?!\w)", re.I), "time"),
    # spoken: "half negen", "kwart over drie", "tien voor vijf", "vijf over half drie"
    (
        re.compile(
            rf"\b(?:(?:kwart|vijf|tien|\d{{1,2}})[ \t]+(?:over|voor)[ \t]+(?:half[ \t]+)?"
            r"|half[ \t]+)"
            rf"(?:{_HOURS_NL})\b(?:[ \t]+uur)?{_NOT_AN_AMOUNT}",
            re.I,
        ),
        "time",
    ),
    # "half past eight", "quarter to nine", "ten to five", "twenty past 3"
    (
        re.compile(
            rf"\b(?:half|(?:a[ \t]+)?quarter|five|ten|twenty|twenty-five|\d{{1,2}})[ \t]+"
            rf"(?:minutes[ \t]+)?(?:past|to)[ \t]+(?:{_HOURS_EN}|\d{{1,2}})\b{_NOT_AN_AMOUNT}",
            re.I,
        ),
        "time",
    ),
    # "om 22 uur", "rond zes uur", "tussen half elf en elf uur"
    (
        re.compile(rf"\b(?:{_AT}|en|and)[ \t]+(?P<h>{_HOUR}(?:[.:]\d{{2}})?[ \t]*uur)\b", re.I),
        group(1, "time"),
    ),
    # "at 9.15", "rond 13.15", "at 6 so…", "between 10 and 12"
    (
        re.compile(rf"\b{_AT}[ \t]+(?P<h>(?:[01]?\d|2[0-3])\.[0-5]\d)\b(?![.,]?\d)", re.I),
        group(1, "time"),
    ),
    (
        re.compile(
            rf"\b(?:between|tussen)[ \t]+(?P<a>[01]?\d|2[0-4])[ \t]+(?:and|en)[ \t]+"
            rf"(?P<b>[01]?\d|2[0-4])(?:[ \t]*uur)?{_CLAUSE_END}",
            re.I,
        ),
        lambda m: [(m.start("a"), m.end("a"), "time"), (m.start("b"), m.end("b"), "time")],
    ),
    (
        re.compile(rf"\b(?!between|tussen){_AT}[ \t]+(?P<h>[01]?\d|2[0-4]){_CLAUSE_END}", re.I),
        group(1, "time"),
    ),
    # an hour right after a date: "Fri 11:00", "29 jan, 13.15", "friday 11 is fine"
    (
        re.compile(
            rf"{DATE}[ \t]*,?[ \t]+(?P<h>(?:[01]?\d|2[0-3])(?:[.:][0-5]\d)?)\b"
            rf"(?![.:,]?\d)(?![ \t]*{_MONTH}\b)",
            re.I,
        ),
        group(1, "time"),
    ),
]
