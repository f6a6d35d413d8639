"""The scrubber against its corpus: recall and over-removal, with thresholds (issue 15).

The corpus (``corpus/``, :mod:`tests.office.intervision.corpus`) plants identifiers of every
kind in realistic case files, in Dutch and English. The thresholds: recall at least
95 % with no hints at all, at least 99 % with the case's own flagged words, and at most
2 % of ordinary words removed. The figures are printed at the end of the run.
"""

from __future__ import annotations

import logging
import subprocess
import sys

from intermediary.office.intervision.lexicon import lexicon
from tests.office.intervision import corpus
from tests.office.intervision.conftest import Measured

RECALL_WITHOUT_HINTS = 0.95
RECALL_WITH_FLAGS = 0.99
OVER_REMOVAL = 0.02


def _missed(figures: corpus.Figures) -> str:
    return "; ".join(f"{m.case} {m.kind}: {m.text!r}" for m in figures.missed)


def test_the_corpus_plants_every_kind_in_both_languages(measured: Measured) -> None:
    figures = measured.without_hints
    assert figures.planted >= 300
    assert set(figures.by_kind) == corpus.KINDS  # every kind, at least once
    assert figures.by_language["nl"] >= 150
    assert figures.by_language["en"] >= 150
    assert figures.flagged >= 50  # some, not all, were flagged by the counsellor
    assert figures.ordinary >= 3000
    assert figures.tricky >= 10
    for case in measured.cases:
        assert len(case.texts) >= 3, case.name
    assert {lang for case in measured.cases for lang in case.languages} == {"nl", "en"}


def test_recall_without_hints(measured: Measured) -> None:
    figures = measured.without_hints
    assert figures.recall >= RECALL_WITHOUT_HINTS, _missed(figures)


def test_recall_with_the_cases_flagged_words(measured: Measured) -> None:
    figures = measured.flagged
    assert figures.recall >= RECALL_WITH_FLAGS, _missed(figures)
    assert figures.flagged_caught == figures.flagged, _missed(figures)


def test_over_removal_of_ordinary_words(measured: Measured) -> None:
    for figures in (measured.without_hints, measured.flagged):
        assert figures.over_removal <= OVER_REMOVAL, figures.removed_words.most_common(30)


def test_the_measure_counts_what_is_left_in_the_output() -> None:
    """The measure itself: a scrubber that removes nothing catches nothing, one that
    removes every word catches everything and removes all ordinary words."""
    cases = corpus.load()[:2]
    nothing = corpus.measure(cases, lambda c, h: c.texts, hints=False, placeholders=frozenset())
    assert nothing.caught == 0
    assert nothing.over_removed == 0
    everything = corpus.measure(
        cases,
        lambda c, h: ["[x]" for _ in c.texts],
        hints=False,
        placeholders=frozenset({"[x]"}),
    )
    assert everything.recall == 1.0
    assert everything.over_removal == 1.0


def test_deduce_is_loaded_once_and_leaves_logging_alone() -> None:
    first = lexicon()
    assert lexicon() is first
    assert 0 < first.load_seconds < 60
    # deduce calls logging.basicConfig(DEBUG, stdout) when imported: a fresh process
    # that loads it must keep Python's default logging
    probe = (
        "import logging; from intermediary.office.intervision.lexicon import lexicon; lexicon(); "
        "root = logging.getLogger(); print(len(root.handlers), root.level)"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert ran.stdout.split() == ["0", str(logging.WARNING)], ran.stdout + ran.stderr
