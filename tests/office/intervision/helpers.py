"""What the scrubber's tests share: a case's given names, organisations and
departments, scrubbing with them, checking that planted words are gone, and running
one module's rules alone."""

from __future__ import annotations

from collections.abc import Iterable

from intermediary.office.intervision.mask import Masked, Rule, apply
from intermediary.office.intervision.removal import removals
from intermediary.office.intervision.scrubber import scrub, scrub_case

NAMES = ["Saskia Jansen", "Karel Bos"]
ORGANISATIONS = ["Acme Logistics B.V.", "acme"]
DEPARTMENTS = ["Finance", "Inkoop"]


def clean(text: str, locale: str = "en") -> str:
    return scrub(
        text,
        names=NAMES,
        organisations=ORGANISATIONS,
        departments=DEPARTMENTS,
        locale=locale,  # type: ignore[arg-type]
    )


def absent(output: str, *planted: str) -> None:
    for word in planted:
        assert word.lower() not in output.lower(), (word, output)


def case(*texts: str, **hints: object) -> list[str]:
    return [s.render("en") for s in scrub_case(texts, **hints)]  # type: ignore[arg-type]


def removed(text: str, rules: Iterable[Rule]) -> list[tuple[str, str]]:
    """What ``rules`` alone remove from ``text``: each span's kind and words."""
    masked = Masked(text)
    apply(masked, rules)
    return [(r.kind, r.text) for r in removals(masked)]
