"""Departments by their form and by name (:mod:`intermediary.office.intervision.departments`)."""

from __future__ import annotations

import pytest

from intermediary.office.intervision.scrubber import scrub


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("She moved to afdeling Inkoop last year.", "She moved to [department] last year."),
        ("She moved to afdeling inkoop.", "She moved to [department]."),
        ("She joined team Noord.", "She joined [department]."),
        ("She joined the Finance department.", "She joined the [department]."),
        ("She joined the logistics department.", "She joined the [department]."),
        ("Ze werkt op de financiële afdeling.", "Ze werkt op de [department]."),
        ("Ze ging naar de ICT-afdeling.", "Ze ging naar de [department]."),
        ("Ze ging naar de inkoopafdeling.", "Ze ging naar de [department]."),
        ("De afdeling heeft het druk.", "De afdeling heeft het druk."),
        ("The whole team agreed.", "The whole team agreed."),
    ],
)
def test_departments_by_their_shape(raw: str, shown: str) -> None:
    assert scrub(raw) == shown
