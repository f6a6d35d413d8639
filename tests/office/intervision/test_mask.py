"""Marking what is removed (:mod:`intermediary.office.intervision.mask`)."""

from __future__ import annotations

import re

from intermediary.office.intervision.mask import KINDS, MARK, PRIVATE_USE, Masked, apply, group


def test_an_earlier_finding_is_never_undone_unless_a_tidying_rule_says_so() -> None:
    masked = Masked("Jan Bos lachte.")
    masked.mask([(0, 7, "name")])
    masked.mask([(4, 7, "place")])
    assert masked.kinds[:8] == ["name"] * 7 + [None]
    masked.mask([(4, 7, "place!")])
    assert masked.kinds[:8] == ["name"] * 4 + ["place"] * 3 + [None]


def test_later_rules_see_a_removed_span_as_marks_in_place() -> None:
    masked = Masked("Jan Bos lachte.")
    masked.mask([(0, 3, "name")])
    assert masked.view == MARK["name"] * 3 + " Bos lachte."
    assert len(masked.view) == len(masked.text)
    # a rule never matches inside a removed span
    apply(masked, [(re.compile(r"\bJan\b"), "place")])
    assert masked.kinds[:3] == ["name"] * 3


def test_every_kind_has_its_own_private_use_mark() -> None:
    """Input loses its private-use characters (:mod:`.scrubber`), so no one can type one."""
    assert len(set(MARK.values())) == len(KINDS)
    assert all(PRIVATE_USE.fullmatch(mark) for mark in MARK.values())


def test_a_group_rule_removes_only_its_group() -> None:
    masked = Masked("toestel 2214 graag")
    apply(masked, [(re.compile(r"toestel (\d+)"), group(1, "phone"))])
    assert masked.view == "toestel " + MARK["phone"] * 4 + " graag"
