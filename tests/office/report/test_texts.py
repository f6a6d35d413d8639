"""Every sentence of the report exists in English and Dutch, with the same placeholders."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from intermediary.office.report import render_csv, render_html
from intermediary.text import LOCALES, catalog, placeholders
from tests.office.report.test_build import TEN, build


def _flat(prefix: str, table: dict[str, object]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out |= _flat(f"{prefix}{key}.", value)
        else:
            assert isinstance(value, str), key
            out[f"{prefix}{key}"] = value
    return out


def _file(locale: str) -> dict[str, str]:
    path = resources.files("intermediary.text").joinpath("locales", locale, "report.toml")
    return _flat("", tomllib.loads(path.read_text("utf-8")))


def test_both_report_files_have_the_same_keys_and_placeholders() -> None:
    en, nl = _file("en"), _file("nl")
    assert set(en) == set(nl)
    for key in en:
        assert placeholders(en[key]) == placeholders(nl[key]), key
        assert nl[key].strip(), key
    assert len(en) > 60


def test_the_dutch_file_uses_the_glossary() -> None:
    text = " ".join(_file("nl").values())
    dutch = text.lower()
    for word in ("melder", "vertrouwenspersoon", "melding", "adviesgesprek", "terugkoppeling"):
        assert word in dutch, word
    # a formal report to the works council: the chat's "sparren" is too casual for it
    assert "sparren" not in dutch
    for word in ("ontvangstbevestiging", "doorverwijzing", "jaarverslag", "intervisie"):
        assert word in dutch, word
    assert "de OR" in text


@pytest.mark.parametrize("locale", LOCALES)
def test_every_sentence_renders_in_every_situation(locale: str) -> None:
    # full, small (left-out tables) and unsuppressed reports touch every text the code names
    for report in (
        build(TEN, locale=locale, trends="A trend."),
        build(TEN[3:7], locale=locale),
        build(TEN, locale=locale, min_cell_size=1),
    ):
        assert render_html(report)
        assert render_csv(report)
    assert {f"report.{key}" for key in _file(locale)} <= set(catalog(locale))
