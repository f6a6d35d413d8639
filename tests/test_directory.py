"""The packaged reference data loads, is complete in both languages, and bad files are refused."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from intermediary.directory import (
    CategoryList,
    Localised,
    ReferralDirectory,
    load_categories,
    load_referrals,
)
from intermediary.errors import ConfigError

BEHAVIOUR = {
    "sexual_harassment",
    "intimidation",
    "aggression_violence",
    "discrimination",
    "bullying",
    "work_pressure",
}
INTEGRITY = {
    "bribery_corruption",
    "fraud_theft",
    "negligence_waste",
    "abuse_of_authority",
    "conflict_of_interest",
    "information_misuse",
    "private_misconduct",
    "gifts",
}
AUTHORITIES = {"acm", "afm", "dnb", "ap", "anvs", "igj", "nza", "nvwa"}


def packaged(name: str) -> dict[str, object]:
    text = resources.files("intermediary.data").joinpath(name).read_text("utf-8")
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), "utf-8")
    return path


def texts(value: Localised) -> list[str]:
    return [value.en, value.nl]


# --- the packaged files ----------------------------------------------------------------


def test_the_json_files_are_package_data() -> None:
    folder = resources.files("intermediary.data")
    assert folder.joinpath("referrals.json").is_file()
    assert folder.joinpath("categories.json").is_file()


def test_the_packaged_referrals_load() -> None:
    directory = load_referrals()
    assert isinstance(directory, ReferralDirectory)
    assert {"hvk-advice", "hvk-investigation", "politie", "meld-misdaad-anoniem"} <= set(
        directory.slugs
    )
    assert set(directory.slugs) >= AUTHORITIES
    assert load_referrals() is directory  # the default is read once


def test_the_packaged_categories_load_with_every_default() -> None:
    categories = load_categories()
    assert isinstance(categories, CategoryList)
    assert {c.slug for c in categories.categories if c.group == "behaviour"} == BEHAVIOUR
    assert {c.slug for c in categories.categories if c.group == "integrity"} == INTEGRITY
    assert {"wrongdoing", "unknown"} <= set(categories.slugs)
    unknown = categories.get("unknown")
    assert unknown is not None
    assert unknown.group == "other"


def test_every_body_says_everything_in_both_languages() -> None:
    for body in load_referrals().bodies:
        for field in (body.name, body.handles, body.anonymous, body.contact):
            for text in texts(field):
                assert text.strip(), body.slug


def test_every_category_is_named_in_both_languages() -> None:
    for category in load_categories().categories:
        for text in texts(category.name):
            assert text.strip(), category.slug


def test_no_body_was_verified_after_the_version_date() -> None:
    directory = load_referrals()
    version = date.fromisoformat(directory.version)
    for body in directory.bodies:
        assert body.last_verified <= version, body.slug


def test_the_versions_are_dates() -> None:
    date.fromisoformat(load_referrals().version)
    date.fromisoformat(load_categories().version)


def test_an_unknown_slug_is_none() -> None:
    assert load_referrals().get("no-such-body") is None
    assert load_categories().get("no_such_category") is None


def test_get_finds_a_known_slug_and_localises() -> None:
    body = load_referrals().get("hvk-advice")
    assert body is not None
    assert "Klokkenluiders" in body.name.get("nl")
    assert body.name.get("fr") == body.name.en  # a language we lack falls back to English


# --- an organisation's own file --------------------------------------------------------


def test_an_organisation_file_is_used_instead(tmp_path: Path) -> None:
    data = packaged("referrals.json")
    bodies = data["bodies"]
    assert isinstance(bodies, list)
    path = write(tmp_path, "ours.json", {"version": "acme-1", "bodies": bodies[:1]})
    directory = load_referrals(path)
    assert directory.version == "acme-1"
    assert directory.slugs == ("hvk-advice",)
    assert load_referrals().slugs != directory.slugs  # the packaged default is untouched


def test_duplicate_referral_slugs_are_refused(tmp_path: Path) -> None:
    data = packaged("referrals.json")
    bodies = data["bodies"]
    assert isinstance(bodies, list)
    path = write(tmp_path, "dupes.json", {**data, "bodies": [*bodies, bodies[0]]})
    with pytest.raises(ConfigError) as caught:
        load_referrals(path)
    assert caught.value.key == "errors.config"
    assert "dupes.json" in str(caught.value)
    assert "hvk-advice" in str(caught.value)


def test_duplicate_category_slugs_are_refused(tmp_path: Path) -> None:
    data = packaged("categories.json")
    categories = data["categories"]
    assert isinstance(categories, list)
    path = write(tmp_path, "cats.json", {**data, "categories": [categories[0], *categories]})
    with pytest.raises(ConfigError, match=r"cats\.json.*sexual_harassment"):
        load_categories(path)


def test_categories_without_unknown_are_refused(tmp_path: Path) -> None:
    data = packaged("categories.json")
    categories = data["categories"]
    assert isinstance(categories, list)
    kept = [c for c in categories if isinstance(c, dict) and c["slug"] != "unknown"]
    path = write(tmp_path, "cats.json", {**data, "categories": kept})
    with pytest.raises(ConfigError, match="unknown"):
        load_categories(path)


def test_a_missing_translation_is_refused_and_located(tmp_path: Path) -> None:
    body = {
        "slug": "ours",
        "name": {"en": "Ours", "nl": " "},
        "handles": {"en": "x", "nl": "x"},
        "anonymous": {"en": "x", "nl": "x"},
        "contact": {"en": "x", "nl": "x"},
        "last_verified": "2026-11-28",
    }
    path = write(tmp_path, "ours.json", {"version": "1", "bodies": [body]})
    with pytest.raises(ConfigError, match=r"ours\.json: bodies\.0\.name\.nl"):
        load_referrals(path)


@pytest.mark.parametrize("slug", ["Upper", "with_underscore", "trailing-", ""])
def test_a_badly_formed_referral_slug_is_refused(tmp_path: Path, slug: str) -> None:
    body = {
        "slug": slug,
        "name": {"en": "x", "nl": "x"},
        "handles": {"en": "x", "nl": "x"},
        "anonymous": {"en": "x", "nl": "x"},
        "contact": {"en": "x", "nl": "x"},
        "last_verified": "2026-11-28",
    }
    path = write(tmp_path, "ours.json", {"version": "1", "bodies": [body]})
    with pytest.raises(ConfigError, match="slug"):
        load_referrals(path)


def test_an_unknown_category_group_is_refused(tmp_path: Path) -> None:
    categories = [
        {"slug": "unknown", "group": "other", "name": {"en": "x", "nl": "x"}},
        {"slug": "odd", "group": "misc", "name": {"en": "x", "nl": "x"}},
    ]
    path = write(tmp_path, "cats.json", {"version": "1", "categories": categories})
    with pytest.raises(ConfigError, match=r"categories\.1\.group"):
        load_categories(path)


def test_malformed_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"version": "1", "bodies": [', "utf-8")
    with pytest.raises(ConfigError, match=r"broken\.json is not valid JSON"):
        load_referrals(path)
    with pytest.raises(ConfigError, match=r"broken\.json is not valid JSON"):
        load_categories(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    with pytest.raises(ConfigError, match=r"there is no file .*absent\.json"):
        load_referrals(path)
    with pytest.raises(ConfigError, match=r"absent\.json"):
        load_categories(path)


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_referrals(tmp_path)  # a folder, not a file
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"version": "\xe9"}')
    with pytest.raises(ConfigError, match=r"latin1\.json cannot be read"):
        load_categories(path)


def test_json_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "list.json", [1, 2, 3])
    with pytest.raises(ConfigError, match=r"list\.json"):
        load_referrals(path)
