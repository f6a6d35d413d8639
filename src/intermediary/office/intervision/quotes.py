"""Quoted speech: removed whole, because words quoted from someone identify them.

Markdown block quotes, anything in double quotes (straight, curly, low or guillemets),
single-quoted passages of three words or more (not Dutch ``'s`` or ``'t``, not an
apostrophe), and an unclosed double quote to the end of its line → ``[quote removed]``.
Runs first: nothing inside a quote is read by a later rule.
"""

from __future__ import annotations

import re

from intermediary.office.intervision.mask import Decision, Rule

__all__ = ["QUOTE_RULES"]

_NO_BLANK_LINE = r"(?:[^{close}\n]|\n(?![ \t]*\n))"


def _long_quote(match: re.Match[str]) -> Decision:
    return "quote" if len(re.findall(r"\w+", match.group(0))) >= 3 else None


QUOTE_RULES: list[Rule] = [
    (re.compile(r"^[ \t]*[>›][^\n]*(?:\n[ \t]*[>›][^\n]*)*", re.M), "quote"),
    (re.compile('"' + _NO_BLANK_LINE.format(close='"') + '*"'), "quote"),
    (re.compile("[“„‟]" + _NO_BLANK_LINE.format(close="“”„‟") + "*[”“]"), "quote"),
    (re.compile("«[^«»]*»|»[^«»]*«"), "quote"),
    (re.compile("‚[^‚‘’\n]*[‘’]"), "quote"),
    (re.compile(r"‘[^\n‘]{0,600}?’(?!\w)"), _long_quote),
    # a straight single quote opens after a non-letter, not as Dutch 's or 't
    (re.compile(r"(?<![\w'])'(?![st]\b)(?=\S)[^\n]{0,600}?(?<=\S)'(?!\w)"), _long_quote),
    (re.compile('(?<!\\d)["“„«][^\n]*'), "quote"),
]
