"""The confidentiality agreements between the counsellor and an organisation: shown at
first contact and with ``!agreements`` (``!afspraken``), versioned, and recorded with the
version every case was opened under (issue 21, item 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.config import ConfigError, ServiceConfig, load_config
from intermediary.config.agreements import AgreementConfig
from intermediary.runtime import demo_config
from intermediary.service.codec import Sender
from tests.harness import Harness, make_harness

FIRST = AgreementConfig(
    version="2026-1",
    text="The counsellor breaks confidentiality only where the law requires it.",
)
SECOND = AgreementConfig(
    version="2026-2",
    text="The counsellor tells management nothing without the reporter's consent; the "
    "annual report shows no group smaller than five.",
)


def _config(
    key: crypto.CounsellorKey, *agreements: AgreementConfig, locale: str = "en"
) -> ServiceConfig:
    config = demo_config(key.public, locale=locale)
    org = config.organisations[0].model_copy(update={"agreements": list(agreements)})
    return config.model_copy(update={"organisations": [org]})


async def _harness(tmp_path: Path, *agreements: AgreementConfig, locale: str = "en") -> Harness:
    key = crypto.CounsellorKey.generate()
    return await make_harness(
        tmp_path / "case.db", config=_config(key, *agreements, locale=locale), counsellor_key=key
    )


async def test_first_contact_names_the_agreements_and_the_command_shows_them(
    tmp_path: Path,
) -> None:
    h = await _harness(tmp_path, FIRST)
    try:
        welcome = "\n".join(await h.say("ada", "!info"))
        assert "limits of confidentiality (version 2026-1)" in welcome
        assert "!agreements" in welcome
        shown = "\n".join(await h.say("ada", "!agreements"))
        assert "version 2026-1" in shown
        assert FIRST.text in shown
    finally:
        await h.close()


async def test_a_case_keeps_the_version_it_was_opened_under(tmp_path: Path) -> None:
    h = await _harness(tmp_path, FIRST)
    try:
        await h.say("ada", "!new mode=report disclosure=anonymous category=bullying")
        await h.say("ada", "Something happened.")
        case_id = await h.case_of("ada")
        [case] = await h.service.cases_of(Sender(platform="console", address="ada"))
        assert case.agreement_version == "2026-1"
        opened = [e for e in await h.store.audit_entries() if e.kind == "case_opened"]
        assert json.loads(opened[-1].details)["agreement"] == "2026-1"
    finally:
        await h.close()
    # the agreements change: a new version after the old one, in a new configuration
    key = h.counsellor_key
    later = await make_harness(
        tmp_path / "case.db",
        config=_config(key, FIRST, SECOND),
        keys=h.keys,
        counsellor_key=key,
    )
    try:
        shown = "\n".join(await later.say("ada", "!agreements"))
        assert "version 2026-2" in shown
        assert SECOND.text in shown
        assert f"Version 2026-1, under which {case_id} was opened:" in shown
        assert FIRST.text in shown
        await later.say("bo", "!new mode=consult disclosure=anonymous category=bullying")
        await later.say("bo", "Hello.")
        [new] = await later.service.cases_of(Sender(platform="console", address="bo"))
        assert new.agreement_version == "2026-2"
    finally:
        await later.close()


async def test_a_version_no_longer_configured_is_named_not_invented(tmp_path: Path) -> None:
    h = await _harness(tmp_path, FIRST)
    try:
        await h.say("ada", "!new mode=report disclosure=anonymous category=bullying")
        await h.say("ada", "Something happened.")
        case_id = await h.case_of("ada")
    finally:
        await h.close()
    later = await make_harness(
        tmp_path / "case.db",
        config=_config(h.counsellor_key, SECOND),
        keys=h.keys,
        counsellor_key=h.counsellor_key,
    )
    try:
        shown = "\n".join(await later.say("ada", "!agreements"))
        assert f"{case_id}: opened under version 2026-1, whose text" in shown
        assert FIRST.text not in shown
    finally:
        await later.close()


async def test_in_dutch_with_the_dutch_command(tmp_path: Path) -> None:
    h = await _harness(tmp_path, FIRST, locale="nl")
    try:
        welcome = "\n".join(await h.say("ada", "!uitleg"))
        assert "grenzen van de vertrouwelijkheid (versie 2026-1)" in welcome
        assert "!afspraken" in welcome
        shown = "\n".join(await h.say("ada", "!afspraken"))
        assert "versie 2026-1" in shown
        assert FIRST.text in shown
        assert "!afspraken" in "\n".join(await h.say("ada", "!hulp"))
    finally:
        await h.close()


async def test_without_agreements_it_says_so_and_first_contact_is_unchanged(
    tmp_path: Path,
) -> None:
    h = await _harness(tmp_path)
    try:
        assert "!agreements" not in "\n".join(await h.say("ada", "!info"))
        shown = "\n".join(await h.say("ada", "!agreements"))
        assert "No agreements between the counsellor and Demo B.V." in shown
    finally:
        await h.close()


def test_two_agreements_with_one_version_are_refused(tmp_path: Path) -> None:
    key = crypto.CounsellorKey.generate().public.encode()
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[[organisations]]
id = "acme"
name = "Acme"
[[organisations.counsellors]]
id = "vp"
name = "VP"
kind = "external"
public_key = "{key}"
[[organisations.management]]
id = "board"
name = "board"
[[organisations.agreements]]
version = "1"
text = "One."
[[organisations.agreements]]
version = "1"
text = "Another."
""",
        "utf-8",
    )
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert "two agreements with the same version" in str(refused.value)
