"""Folding words without case or accents (:mod:`intermediary.office.intervision.words`)."""

from __future__ import annotations

import pytest

from intermediary.office.intervision.scrubber import scrub_case
from intermediary.office.intervision.words import fold, starts_sentence


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("gesprek met yilmaz.", "Oğuz Yılmaz"),
        ("met soren orsted gesproken", "Søren Ørsted"),
        ("dorde dukic belde", "Đorđe Ðukić"),
        ("lukasz was er ook", "Łukasz Nowak"),
    ],
)
def test_a_given_name_typed_without_its_own_letters_is_removed(typed: str, name: str) -> None:
    """ı, ø, đ, ł have no accent to take off: "yilmaz" is how a Dutch keyboard types
    "Yılmaz", in lower case too (found by review)."""
    shown = scrub_case([typed], names=[name])[0].render("nl")
    assert "[naam]" in shown
    for part in name.split():
        folded = part.lower().translate(str.maketrans("ıøđðł", "iodd" + "l"))
        assert folded not in shown.lower()


def test_folding_keeps_every_position() -> None:
    assert fold("Ørsted Yılmaz ÉCOLE") == "orsted yilmaz ecole"
    assert len(fold("Ðukić ﬁ ß")) == len("Ðukić ﬁ ß")


def test_a_capital_starts_a_sentence_only_after_its_end() -> None:
    text = "Het was de voorman, Joost\nHendriks. J. Jansen kwam.\nHoi\nKarel"
    assert starts_sentence(text, text.index("Het"))
    assert not starts_sentence(text, text.index("Hendriks"))  # a line break mid-sentence
    assert not starts_sentence(text, text.index("Jansen"))  # after an initial
    assert starts_sentence(text, text.index("Karel"))  # after a greeting alone on a line
