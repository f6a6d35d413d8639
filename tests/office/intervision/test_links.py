"""E-mail addresses, links and handles (:mod:`intermediary.office.intervision.links`)."""

from __future__ import annotations

from intermediary.office.intervision.links import LINK_RULES
from tests.office.intervision.helpers import removed


def test_addresses_handles_and_channels_alone() -> None:
    text = "mail saskia@example.org or @sjansen in #team-payments, see www.example.nl."
    assert removed(text, LINK_RULES) == [
        ("email", "saskia@example.org"),
        ("person", "@sjansen"),
        ("channel", "#team-payments"),
        ("link", "www.example.nl"),  # the full stop ends the sentence, not the link
    ]
