"""An anonymised summary of a case, for intervision (peer consultation, *intervisie*).

Cases are discussed with peers only anonymised (DOMAIN.md, requirement 11).
:func:`summarise` turns a case and its opened case file into plain text with
generalised facts only, and says what it removed; the texts of the case file are
scrubbed together by :func:`.scrubber.scrub_case` (what it removes, and
how, is described there and in docs/OFFICE.md, "Intervision"), so that a word removed
in one entry is removed in all. Pure: the caller shows the result and the removed
spans to the counsellor and writes it only after they confirm it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intermediary.directory import CategoryList, ReferralDirectory, load_categories, load_referrals
from intermediary.office.intervision.removal import Removal
from intermediary.office.intervision.scrubber import scrub, scrub_case
from intermediary.text import DEFAULT_LOCALE, Locale, catalog, render
from intermediary.text.entries import shown_entry

if TYPE_CHECKING:
    from intermediary.core.case import Case
    from intermediary.service.codec import Identity

__all__ = ["Entry", "Summary", "identity_names", "scrub", "summarise", "summary"]


class Entry(Protocol):
    """What :func:`summary` reads of a case-file record
    (:class:`~intermediary.service.casefile.CaseFileEntry` has it)."""

    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def text(self) -> str: ...


def identity_names(identity: Identity) -> tuple[str, ...]:
    """The words an opened identity gives, to pass as ``names``."""
    found = (identity.display_name, identity.handle, identity.email, identity.address)
    return tuple(word for word in found if word.strip())


@dataclass(frozen=True)
class Summary:
    """A summary and what was removed to make it (to show the counsellor, never to
    write: the removed spans are the identifying details)."""

    text: str
    removed: tuple[Removal, ...]


# --- the summary ------------------------------------------------------------------------

_CONVERSATION = frozenset({"message", "reply"})
#: records that stand in a summary as a sentence saying they were left out; a file the
#: reporter sent is one (its entry holds the file itself, which no scrubber reads)
_LEFT_OUT = frozenset({"approval", "reveal", "disclosure", "legal_hold", "evidence"})


def _local(moment: datetime, timezone: str) -> datetime:
    try:
        return moment.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return moment


def _weeks(count: int, locale: Locale) -> str:
    if count <= 0:
        return render("intervision.weeks_none", locale)
    if count == 1:
        return render("intervision.weeks_one", locale)
    return render("intervision.weeks_many", locale, count=count)


def _named(slugs: Iterable[str], lookup: Callable[[str], str | None], locale: Locale) -> str:
    names = [lookup(slug) or slug for slug in slugs]
    return ", ".join(names) if names else render("intervision.none", locale)


def _fixed_text(entry: Entry, locale: Locale, referrals: ReferralDirectory) -> str | None:
    """The text that stands for an entry that is not scrubbed: a left-out record, or a
    referral to a known body; ``None`` for every other entry."""
    kind = str(entry.kind)
    if kind in _LEFT_OUT:
        return render(f"intervision.{kind}", locale)
    if kind == "referral":
        body = referrals.get(entry.text.strip())
        if body is not None:
            return render("intervision.referral", locale, body=body.name.get(locale))
    return None


def summary(
    case: Case,
    entries: Sequence[Entry],
    *,
    names: Iterable[str] = (),
    organisations: Iterable[str] = (),
    departments: Iterable[str] = (),
    flagged: Iterable[str] = (),
    known: Callable[[str], Iterable[str]] | None = None,
    locale: Locale = DEFAULT_LOCALE,
    categories: CategoryList | None = None,
    referrals: ReferralDirectory | None = None,
) -> str:
    """The text of :func:`summarise`."""
    return summarise(
        case,
        entries,
        names=names,
        organisations=organisations,
        departments=departments,
        flagged=flagged,
        known=known,
        locale=locale,
        categories=categories,
        referrals=referrals,
    ).text


def summarise(
    case: Case,
    entries: Sequence[Entry],
    *,
    names: Iterable[str] = (),
    organisations: Iterable[str] = (),
    departments: Iterable[str] = (),
    flagged: Iterable[str] = (),
    known: Callable[[str], Iterable[str]] | None = None,
    locale: Locale = DEFAULT_LOCALE,
    categories: CategoryList | None = None,
    referrals: ReferralDirectory | None = None,
) -> Summary:
    """A plain-text (Markdown) summary of ``case`` for intervision, in ``locale``, and
    what was removed from it.

    The header holds generalised facts only: categories, mode, the quarter and
    year of opening, the duration in whole weeks, how many entries, the state,
    the outcome and referrals. Each entry follows in order, labelled by author,
    kind and week since opening, its text scrubbed with all the others
    (:func:`.scrubber.scrub_case`): ``names``, ``organisations`` and
    ``departments`` are removed as such, ``flagged`` words (the case's flagged words)
    wherever they occur, and ``known`` says which words of a text the case's flagged
    words are when only their keyed hashes are kept. No case id, counsellor,
    organisation, reporter index or exact time appears; the counsellor's id and the
    organisation's id are removed as a name and an organisation besides those given.
    """
    categories = categories or load_categories()
    referrals = referrals or load_referrals()
    ordered = sorted(entries, key=lambda e: e.seq)
    fixed = [_fixed_text(entry, locale, referrals) for entry in ordered]
    scrubbed = iter(
        scrub_case(
            [
                shown_entry(entry.kind, entry.text, locale)
                for entry, text in zip(ordered, fixed, strict=True)
                if text is None
            ],
            names=[*names, str(case.counsellor_id)],
            organisations=[*organisations, str(case.org_id)],
            departments=departments,
            flagged=flagged,
            known=known,
        )
    )
    texts: list[str] = []
    removed: list[Removal] = []
    for text in fixed:
        if text is None:
            done = next(scrubbed)
            removed += done.removals
            text = done.render(locale).strip() or render("intervision.empty", locale)
        texts.append(text)
    opened = _local(case.opened_at, case.timezone)
    if case.closed_at is not None:
        end, duration_key = case.closed_at, "intervision.duration_closed"
    else:
        end = max((e.created_at for e in ordered), default=case.opened_at)
        duration_key = "intervision.duration_open"
    words = catalog(locale)

    def category(slug: str) -> str | None:
        found = categories.get(slug)
        return found.name.get(locale) if found else None

    def body(slug: str) -> str | None:
        found = referrals.get(slug)
        return found.name.get(locale) if found else None

    period = render(
        "intervision.quarter", locale, quarter=(opened.month - 1) // 3 + 1, year=opened.year
    )
    lines = [
        render("intervision.title", locale),
        "",
        render(
            "intervision.categories", locale, categories=_named(case.categories, category, locale)
        ),
        render(
            "intervision.mode",
            locale,
            mode_text=words.get(f"intervision.mode_text.{case.mode}", str(case.mode)),
        ),
        render("intervision.opened", locale, period=period),
        render(duration_key, locale, duration=_weeks((end - case.opened_at).days // 7, locale)),
        render("intervision.state", locale, state=str(case.state)),
        render("intervision.outcome", locale, outcome=str(case.outcome))
        if case.outcome is not None
        else render("intervision.no_outcome", locale),
        render("intervision.referrals", locale, referrals=_named(case.referrals, body, locale)),
        render(
            "intervision.entries",
            locale,
            entries=len(ordered),
            conversation=sum(1 for e in ordered if str(e.kind) in _CONVERSATION),
        ),
        "",
        render("intervision.case_file", locale),
    ]
    for number, entry in enumerate(ordered, 1):
        week = max(0, (entry.created_at - case.opened_at).days) // 7 + 1
        kind = str(entry.kind)
        label = render(
            "intervision.entry",
            locale,
            number=number,
            role=str(entry.author),
            kind=words.get(f"intervision.kind.{kind}", kind),
            week=week,
        )
        lines += ["", label, texts[number - 1]]
    lines += ["", "---", render("intervision.notice", locale)]
    return Summary("\n".join(lines) + "\n", tuple(removed))
