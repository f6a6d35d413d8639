"""docs/PROTOCOL.md's section on the steps outside any case is the table of
:mod:`intermediary.core.outside`, printed; this test fails when the two differ. Running
this module rewrites the section::

    .venv/bin/python -m tests.core.test_outside_doc
"""

from __future__ import annotations

from pathlib import Path

import pytest

from intermediary.core.outside import (
    BEGIN,
    END,
    OUTSIDE,
    REGENERATE,
    OutsideStep,
    case_band,
    outside_markdown,
    with_outside,
)
from intermediary.text import catalog

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "PROTOCOL.md"


def test_protocol_md_shows_the_steps_outside_any_case() -> None:
    document = PROTOCOL.read_text("utf-8")
    assert document.count(BEGIN) == 1
    assert document.count(END) == 1
    assert with_outside(document) == document, (
        f"docs/PROTOCOL.md's section on steps outside any case differs: run {REGENERATE}"
    )


def test_the_section_names_every_step_and_check() -> None:
    text = outside_markdown()
    assert {rule.step for rule in OUTSIDE} == set(OutsideStep)
    for rule in OUTSIDE:
        assert f"| `{rule.step}` | {rule.role} |" in text
        for check in rule.checks:
            assert f"`{check.name}` (`{check.key}`)" in text
            assert check.explained in text


def test_every_refusal_named_is_a_sentence_in_both_languages() -> None:
    for locale in ("en", "nl"):
        words = catalog(locale)
        for rule in OUTSIDE:
            for check in rule.checks:
                assert check.key in words, (locale, check.key)


def test_only_the_section_is_replaced() -> None:
    document = f"# Title\n\nbefore\n{BEGIN}\nold table\n{END}\nafter\n"
    assert with_outside(document) == f"# Title\n\nbefore\n{outside_markdown()}after\n"
    with pytest.raises(ValueError, match="outside:begin"):
        with_outside("# no section\n")


def test_the_audit_chain_keeps_a_band_never_a_small_count() -> None:
    assert [case_band(n, 5) for n in (0, 1, 4, 5, 9, 10, 40)] == [
        "0",
        "<5",
        "<5",
        "5-9",
        "5-9",
        "10+",
        "10+",
    ]


def main() -> None:
    """Rewrite docs/PROTOCOL.md's section on the steps outside any case."""
    document = PROTOCOL.read_text("utf-8")
    PROTOCOL.write_text(with_outside(document), "utf-8")
    print(f"wrote the section on steps outside any case of {PROTOCOL}")


if __name__ == "__main__":
    main()
