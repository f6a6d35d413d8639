"""The scrubber corpus is measured once per run; its figures are printed at the end,
like the leak hunt's line (docs/OFFICE.md, "Intervision", quotes them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from intermediary import crypto
from intermediary.core.identity_text import term_words
from intermediary.office.intervision.lexicon import lexicon
from intermediary.office.intervision.scrubber import scrub_case
from intermediary.service.identifying import matching_words, phrase_terms
from intermediary.text import LOCALES, catalog
from tests.office.intervision import corpus

PLACEHOLDERS = frozenset(
    text
    for locale in LOCALES
    for key, text in catalog(locale).items()
    if key.startswith("intervision.placeholder.")
)


@dataclass(frozen=True)
class Measured:
    cases: list[corpus.Case]
    without_hints: corpus.Figures
    flagged: corpus.Figures
    load_seconds: float


_MEASURED: list[Measured] = []


def scrubbed(case: corpus.Case, hints: bool) -> Sequence[str]:
    """The case's texts as the intervision summary scrubs them: with no hints at all, or
    with what the case itself knows, the way the service keeps it: the reporter's
    identity (sealed, opened with the counsellor's key: its names) and the keyed hashes
    of its terms and of the counsellor's ``!flag`` words, matched in the texts."""
    if not hints:
        found = scrub_case(case.texts)
    else:
        keys = _KEYS
        terms = phrase_terms(keys, (*case.identity, *case.flagged_words))
        terms |= {crypto.term_index(keys, w) for p in case.identity for w in term_words(p)}
        found = scrub_case(
            case.texts, names=case.identity, known=lambda text: matching_words(keys, text, terms)
        )
    return [s.render(case.language) for s in found]  # type: ignore[arg-type]


_KEYS = crypto.ServiceKeys.generate()


@pytest.fixture(scope="session")
def measured() -> Measured:
    if not _MEASURED:
        lexicon()  # loaded once for the whole run
        cases = corpus.load()
        _MEASURED.append(
            Measured(
                cases=cases,
                without_hints=corpus.measure(
                    cases, scrubbed, hints=False, placeholders=PLACEHOLDERS
                ),
                flagged=corpus.measure(cases, scrubbed, hints=True, placeholders=PLACEHOLDERS),
                load_seconds=lexicon().load_seconds,
            )
        )
    return _MEASURED[0]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _MEASURED:
        return
    m = _MEASURED[0]
    n, f = m.without_hints, m.flagged
    languages = ", ".join(f"{count} {lang}" for lang, count in sorted(n.by_language.items()))
    terminalreporter.write_line(
        f"intervision scrubber: {n.planted} planted identifiers ({languages}) in "
        f"{len(m.cases)} cases; recall {n.recall:.1%} without hints, {f.recall:.1%} with "
        f"the case's flagged words; over-removal {n.over_removal:.2%} of {n.ordinary:,} "
        f"ordinary words ({f.over_removal:.2%} with flags); deduce loaded in "
        f"{m.load_seconds:.1f} s"
    )
