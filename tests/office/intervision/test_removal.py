"""What the scrubber gives back, and its placeholders in each language
(:mod:`intermediary.office.intervision.removal`)."""

from __future__ import annotations

from intermediary.office.intervision.scrubber import scrub_case
from tests.office.intervision.helpers import clean


def test_the_removed_spans_are_given_with_what_they_were() -> None:
    [done] = scrub_case(["Bel Jan de Vries op 06-12345678 sinds maart 2026."])
    assert [(r.kind, r.text) for r in done.removals] == [
        ("name", "Jan de Vries"),
        ("phone", "06-12345678"),
        ("quarter", "maart 2026"),
    ]
    assert done.render("nl") == "Bel [naam] op [telefoon] sinds 1e kwartaal 2026."
    for removal in done.removals:
        assert done.text[removal.start : removal.end] == removal.text


def test_dutch_placeholders() -> None:
    out = clean(
        'Saskia zei: "ik stop ermee" op 12 maart om 9 uur, bel 06-12345678 of mail '
        "s.jansen@acme.nl; afdeling Inkoop weet het.",
        "nl",
    )
    assert out == (
        "[naam] zei: [citaat verwijderd] op [datum] om [tijd], bel [telefoon] of mail "
        "[e-mail]; [afdeling] weet het."
    )
