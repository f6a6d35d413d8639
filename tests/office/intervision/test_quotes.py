"""Quoted speech (:mod:`intermediary.office.intervision.quotes`)."""

from __future__ import annotations

import pytest

from tests.office.intervision.helpers import clean


@pytest.mark.parametrize(
    "quote",
    [
        '"you are worthless"',
        "“you are worthless”",
        "„je bent waardeloos”",
        "„je bent waardeloos“",
        "«you are worthless»",
        "'you are totally worthless'",
        "‘you are totally worthless’",
        "‘don’t you ever come back’",
    ],
)
def test_quotes_in_every_style_are_removed(quote: str) -> None:
    out = clean(f"He said {quote} and left.")
    assert out == "He said [quote removed] and left.", out


def test_block_quotes_and_unclosed_quotes_are_removed() -> None:
    out = clean('He wrote:\n> you will pay\n> for this\nThen: "never again, he said\nNext day.')
    assert out == "He wrote:\n[quote removed]\nThen: [quote removed]\nNext day.", out


def test_apostrophes_and_short_single_quotes_are_not_quotes() -> None:
    text = "I don't know; it's the workers' room, 's ochtends, a so-called 'buddy' plan."
    assert clean(text) == text
