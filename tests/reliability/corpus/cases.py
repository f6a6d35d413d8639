"""The hostile values of the bad-input corpus, by category.

Each entry point's module (``test_console.py``, ``test_slack.py``, ``test_matrix.py``,
``test_config.py``, ``test_keys.py``) turns these pools into :class:`Item` s of its own
shape, one test id per item (``test_…[category-name]``); ``conftest.py`` counts them.

What every item must show (asserted by the modules):

- a clear outcome: the words that say what is wrong and what to do, or a silent
  ignore where a bot must ignore (edits, other bots, other channels);
- nothing changed that should not: store rows, entries, keys, identities, audit
  chain (length and verification), outbox, and what management and the counsellor
  were sent;
- no traceback or server error reached the sender, and a good message after it goes
  through, once.

Text the protocol accepts but that could act on a reader (mentions, markup, links)
is stored as typed and shown neutralised (``intermediary.text.neutralise``). Control
and direction characters are *refused* at the core (``errors.control_characters``):
they could make a text display differently from what was approved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: every category, in the order the count table lists them
CATEGORIES = (
    "malformed",  # not JSON / not TOML / not a command line at all
    "wrong_type",  # numbers, lists, null, objects where text is expected; bad choices
    "missing_field",
    "oversized",
    "invalid_utf8",  # undecodable bytes, and lone surrogates from JSON escapes
    "control_bidi",  # C0/C1 controls, direction overrides and isolates
    "markup",  # mention and markup injection
    "forged",  # forged and replayed requests, forged references, wrong keys
    "unknown",  # unknown commands, actions, event types
    "ignored",  # what a bot must ignore silently (edits, bots, other rooms)
)


@dataclass(frozen=True)
class Item:
    category: str
    name: str
    #: the hostile input, in the shape of the entry point
    value: Any = None
    #: phrases the answer must contain; empty: silently ignored
    expect: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        assert self.category in CATEGORIES, self.category
        assert "-" not in self.category

    @property
    def id(self) -> str:
        return f"{self.category}-{self.name}"


def ids(items: list[Item]) -> list[str]:
    found = [i.id for i in items]
    assert len(set(found)) == len(found), "two corpus items share an id"
    return found


# --- text that the core refuses ----------------------------------------------------------

#: (name, character): C0/C1 controls (not tab or newline), the direction overrides,
#: embeddings, isolates and marks
CONTROL_CHARS: dict[str, str] = {
    "nul": "\x00",
    "bell": "\x07",
    "backspace": "\x08",
    "vertical_tab": "\x0b",
    "form_feed": "\x0c",
    "ansi_escape": "\x1b[2J\x1b[31m",
    "delete": "\x7f",
    "c1_next_line": "\x85",
    "c1_csi": "\x9b",
    "lre": "\u202a",
    "rle": "\u202b",
    "pdf": "\u202c",
    "lro": "\u202d",
    "rlo": "\u202e",
    "lri": "\u2066",
    "rli": "\u2067",
    "fsi": "\u2068",
    "pdi": "\u2069",
    "lrm": "\u200e",
    "rlm": "\u200f",
    "alm": "\u061c",
}
CONTROL_REFUSAL = ("invisible control or direction characters", "type it again without them")


def control_text(char: str) -> str:
    """A sentence whose display a control character would change (``‮`` reverses it)."""
    return f"I approve the {char}transfer of 100 euros"


#: lone surrogates: what ``"\\ud800"`` in a platform's JSON, or undecodable bytes read
#: with ``surrogateescape``, turn into. No UTF-8 encoder accepts them.
BROKEN_TEXTS: dict[str, str] = {
    "lone_high_surrogate": "before \ud800 after",
    "lone_low_surrogate": "before \udfff after",
    "half_an_emoji": "thanks \ud83d",
    "escaped_byte_ff": "caf\udcff",
    "escaped_overlong_slash": "a\udcc0\udcafb",
}
BROKEN_REFUSAL = ("broken characters", "Nothing was stored", "type it again")

#: bytes that are not UTF-8
INVALID_UTF8: dict[str, bytes] = {
    "byte_ff_fe": b"\xff\xfe",
    "overlong_slash": b"\xc0\xaf",
    "encoded_surrogate": b"\xed\xa0\x80",
    "truncated_sequence": b"\xe2\x82",
    "lone_continuation": b"\x80",
    "five_byte_form": b"\xf8\x88\x80\x80\x80",
    "latin1_e_acute": "café".encode("latin-1"),
}

# --- text that is accepted, stored as typed and shown neutralised ------------------------

MARKUP_TEXTS: dict[str, str] = {
    "at_channel": "@channel the lead shouts again",
    "at_here_and_everyone": "@here and @everyone should read this",
    "at_room": "@room look at this",
    "slack_special_here": "<!here> please",
    "slack_special_channel": "<!channel|channel> now",
    "slack_user_mention": "ask <@U0123ABCD> about it",
    "slack_group_mention": "<!subteam^S0123ABC|@managers> fyi",
    "slack_link_label": "see <https://evil.example/x|https://intranet.example/report>",
    "markdown_link": "see [the policy](https://evil.example/phish)",
    "markdown_image": "look: ![logo](https://evil.example/track.png)",
    "html_tags": "<b>bold</b> <script>alert(1)</script>",
    "html_anchor": '<a href="https://evil.example">the intranet</a>',
    "matrix_user_id": "tell @boss:example.org now",
    "matrix_pill": '<a href="https://matrix.to/#/@boss:example.org">Boss</a>',
}


def neutral(text: str) -> bool:
    """``text`` can no longer ping, mark up or hide a link's target."""
    import re

    return (
        "<" not in text
        and ">" not in text
        and re.search(r"@[\w.\-:]", text) is None
        and re.search(r"\]\(", text) is None
    )


#: lengths around the limits: the organisation's text limit (4,000 by default),
#: the Matrix adapter's event limit (16,000), and far beyond
OVERSIZED: dict[str, int] = {
    "limit_plus_one": 4_001,
    "matrix_limit_plus_one": 16_001,
    "hundred_thousand": 100_000,
}
TOO_LONG = ("characters; the limit is", "split it")

#: the sentence every good message after a bad one must arrive as, once
GOOD = "a good message after the bad one"
