"""Streets and addresses (:mod:`intermediary.office.intervision.streets`)."""

from __future__ import annotations

import pytest

from intermediary.office.intervision.streets import STREET_RULES
from tests.office.intervision.helpers import removed


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("Ik woon in de Kerkstraat 12.", "Kerkstraat 12"),
        ("I live at 14 Welton Road.", "14 Welton Road"),
        ("Zij woont aan de Brink 56.", "Brink 56"),
    ],
)
def test_a_street_by_its_form(text: str, street: str) -> None:
    assert removed(text, STREET_RULES) == [("place", street)]
