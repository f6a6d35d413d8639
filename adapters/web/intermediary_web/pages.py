"""What the pages say: the Jinja2 environment (autoescaped) and the words of a case.

Every sentence comes from the catalogue (``web.toml``, and the chat's own sentences
where the page says the same thing); a template only lays them out. Autoescaping is on
for every template, so whatever a reporter or counsellor wrote is shown as text: a
``<script>`` in a message is four characters and a word, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from intermediary.core import Case, OrgPolicy
from intermediary.core.vocabulary import ApprovalKind
from intermediary.directory import load_categories
from intermediary.service.evidence import size_text
from intermediary.service.messages import render_message
from intermediary.service.web_inbox import InboxMessage
from intermediary.text import Locale, render

__all__ = [
    "Draft",
    "Shown",
    "counsellor_label",
    "drafts",
    "environment",
    "megabytes",
    "shown",
    "topic",
    "words",
]

#: the chat's sentences the page says in its own words: they name chat commands
#: (``!approve 2``) or the receipt phrase, which the page shows only once
_OWN_WORDS = {
    "reporter.approve_relay": "web.approve_relay",
    "reporter.approve_minutes": "web.approve_minutes",
    "reporter.case_opened": "web.case_opened",
    "reporter.resumed": "web.resumed",
}


def environment() -> Environment:
    """The templates, autoescaped; an undefined name is a bug, not an empty string."""
    return Environment(
        loader=PackageLoader("intermediary_web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class Shown:
    """One message of the conversation as the page shows it."""

    mine: bool
    day: str
    text: str


@dataclass(frozen=True)
class Draft:
    """A text waiting for the reporter's approval, shown in full."""

    number: int
    heading: str
    text: str
    digest: str
    check: str


def shown(kept: InboxMessage | None, locale: Locale) -> Shown | None:
    """A kept message in the page's language (which may not be the one it was sent in);
    ``None`` for one that could not be read (the page marks its place)."""
    if kept is None:
        return None
    if kept.mine:
        text = render("web.you_wrote", locale, quote=kept.quote or "")
    elif kept.key in _OWN_WORDS:
        text = render(_OWN_WORDS[kept.key], locale, **kept.params)
    else:
        text = render_message(kept.message, locale)
    return Shown(kept.mine, kept.day, text)


def drafts(case: Case, names: Callable[[tuple[str, ...]], str], locale: Locale) -> list[Draft]:
    """The texts of ``case`` waiting for approval, each with what names it exactly."""
    found = []
    for item in case.pending:
        if item.kind is ApprovalKind.MINUTES:
            heading = render("web.minutes_heading", locale, number=item.number)
        else:
            to = names(tuple(item.destinations))
            heading = render("web.draft_heading", locale, number=item.number, to=to)
        found.append(Draft(item.number, heading, item.text, item.digest, item.digest[:12]))
    return found


def counsellor_label(policy: OrgPolicy, counsellor_id: str, locale: Locale) -> str:
    c = next(c for c in policy.counsellors if c.id == counsellor_id)
    if c.description:
        return f"{c.name} — {c.description}"
    return f"{c.name} ({render(f'words.counsellor_kind.{c.kind}', locale)})"


def topic(slug: str, locale: Locale) -> str:
    found = load_categories().get(slug)
    return found.name.get(locale) if found is not None else slug


def words(locale: Locale) -> Callable[..., str]:
    """``t(key, **params)`` for templates: a catalogue sentence in ``locale``."""

    def t(key: str, **params: Any) -> str:
        return render(key, locale, **params)

    return t


def megabytes(size: int) -> str:
    """A size as the page says it (``10.0 MB``, ``20 kB``)."""
    return size_text(size)
