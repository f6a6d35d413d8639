"""Numbers and codes: phone and extension numbers, IBANs, postcodes, plates, ages.

Two lists, run at different moments. :data:`CODE_RULES` are codes that are never
anything else (IBANs, Dutch and British postcodes, licence plates, aircraft
registrations → ``[number]``); they run before deduce, which would otherwise read a
part of one as a phone number or a name. :data:`NUMBER_RULES` run after the dates and
times have taken theirs: phone numbers (also ``06 - 2987 3311``) and extension numbers
(``ext. 2214``, ``toestel 2214``, ``x4471``: the number only) → ``[phone]``; runs of
five or more digits, codes mixing letters with two or more digits, the number of a
room, page or badge → ``[number]``; ages ("58 jaar", "aged 19", "I'm 19") → ``[age]``.
"""

from __future__ import annotations

import re

from intermediary.office.intervision.mask import Rule, group

__all__ = ["CODE_RULES", "NUMBER_RULES"]

_EXTENSION = (
    r"\b(?:ext\.?|extension|toestel|tst\.?|doorkies(?:nummer)?|intern(?:[ \t]+nummer)?"
    r"|internal(?:[ \t]+number)?|telefoon|phone)[ \t]*(?:nr\.?|no\.?|number|nummer)?"
    r"[ \t]*[:#]?[ \t]*"
    r"(?P<n>\d{2,5})\b(?![ \t]*[-.]?\d)"
)
#: codes that are never anything else, found before deduce reads a part of one as a phone
#: number or a name: IBANs, postcodes, licence plates, aircraft registrations
CODE_RULES: list[Rule] = [
    (re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"), "number"),
    (re.compile(r"\b\d{4} ?[A-Z]{2}\b"), "number"),  # a Dutch postcode
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}\b"), "number"),  # a British one
    # Dutch licence plates (three groups, six letters and digits), British ones, aircraft
    (
        re.compile(
            r"\b(?=[A-Z\d-]{8}\b)(?=[A-Z-]*\d)(?=[\d-]*[A-Z])[A-Z\d]{1,3}-[A-Z\d]{1,3}-[A-Z\d]{1,3}\b"
        ),
        "number",
    ),
    (re.compile(r"\b[A-Z]{2}\d{2}[ \t]?[A-Z]{3}\b"), "number"),
    (re.compile(r"\b(?:PH|OO|EI|OE|HB|SE|LN|OY|EC|[DGFNI])-[A-Z]{3,4}\b"), "number"),
]
NUMBER_RULES: list[Rule] = [
    (
        re.compile(
            r"(?<![\w+])(?:\+|00)\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?\d(?:[\s.-]?\d){5,12}(?!\d)"
        ),
        "phone",
    ),
    # "06-12345678", "(030) 123 4567", "06 - 2987 3311", "0591 - 61 23 45", "07700 900461"
    (
        re.compile(r"(?<![\w(])(?:\(0\d{1,4}\)|0\d{1,4})(?:[ \t]*[-–./]?[ \t]*\d){6,9}(?!\d)"),
        "phone",
    ),
    (re.compile(_EXTENSION, re.I), group(1, "phone")),
    (re.compile(r"\bx(?P<n>\d{3,5})\b"), group(1, "phone")),
    # codes mixing letters with two or more digits: "SK-20931", "B2025-118"
    (
        re.compile(
            r"(?<![\w-])(?!\d+-[^\W\d_]+(?![\w-]))(?=[\w-]*\d[\w-]*\d)(?=[\w-]*[^\W\d_])"
            r"\w[\w-]{3,}\w(?![\w-])"
        ),
        "number",
    ),
    (re.compile(r"(?<!\w)\d(?:[ .,]?\d){4,}(?!\w)"), "number"),
    (re.compile(r"(?<![\w-])\d{3,}[-/]\d{3,}(?![\w-])"), "number"),
    # the number of a room, page, badge, desk…
    (
        re.compile(
            r"\b(?:kamer|room|lokaal|gebouw|building|page|pagina|blz\.?|desk|bureau|locker|kluisje"
            r"|badge|pasnummer|personeelsnummer|staff[ \t]+number|employee[ \t]+(?:id|number))"
            r"[ \t]*[:#]?[ \t]*(?P<n>[A-Z]{0,3}[-.]?\d+(?:[.-]\d+)*[A-Z]?)\b",
            re.I,
        ),
        group(1, "number"),
    ),
    # ages: "58 jaar", "a 23-year-old", "aged 19", "I'm 19."
    (
        re.compile(
            r"\b(?P<n>\d{1,2})(?:[ \t]*jaar(?:[ \t]+oud)?|[ \t-]+years?[ \t-]+old|-jarige?)\b",
            re.I,
        ),
        group(1, "age"),
    ),
    (re.compile(r"\b(?:aged?|leeftijd)[ \t]*:?[ \t]*(?P<n>\d{1,2})\b", re.I), group(1, "age")),
    (
        re.compile(
            r"\b(?:i['’]m|i[ \t]+am|ik[ \t]+ben|he['’]s|she['’]s"
            r"|hij[ \t]+is|zij[ \t]+is|ze[ \t]+is)"
            r"[ \t]+(?P<n>\d{1,2})(?=[ \t]*(?:[.,;!?)]|\n|$)|[ \t]+(?:and|but|so|en|maar|dus)\b)",
            re.I,
        ),
        group(1, "age"),
    ),
]
