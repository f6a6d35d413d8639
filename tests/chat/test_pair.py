"""Two counsellors on one case, end to end through the console (``!pair``, ``!duo`` in
Dutch): the reporter is asked first and told who (by name); a refusal adds nobody; once
the key is shared both counsellors receive the reporter's messages; a removal re-seals
for the future, so the removed counsellor's key opens what was written before it and
nothing after.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.crypto.vault import shred_key
from intermediary.errors import IntegrityError, InvalidInput
from intermediary.office.pair import share_case
from intermediary.service.casefile import open_case_file
from intermediary.service.entries import entry_aad, read_entry_plaintext
from intermediary.store import SealedKey
from intermediary.text import render
from tests.harness import Harness, make_harness, two_board_config


@dataclass(frozen=True)
class Words:
    """What each party types, and what the reporter reads, in one language."""

    locale: str
    new: str
    pair: str
    add: str
    remove: str
    yes: str
    no: str
    asked: str
    both: str
    removed: str


WORDS = {
    "en": Words(
        "en",
        "!new mode=report disclosure=confidential category=bullying counsellor=daan",
        "!pair",
        "add",
        "remove",
        "yes",
        "no",
        "would like a second counsellor",
        "Working on your case {case}: Daan, Ilse.",
        "Nothing you write from now on can be read by Daan",
    ),
    "nl": Words(
        "nl",
        "!nieuw modus=melden openheid=vertrouwelijk categorie=pesten vertrouwenspersoon=daan",
        "!duo",
        "toevoegen",
        "verwijderen",
        "ja",
        "nee",
        "wil graag dat een tweede vertrouwenspersoon",
        "Aan je zaak {case} werken: Daan, Ilse.",
        "Wat je vanaf nu schrijft, kan Daan niet meer lezen",
    ),
}
LOCALES = pytest.mark.parametrize("w", list(WORDS.values()), ids=list(WORDS))


@dataclass
class Pair:
    h: Harness
    daan: crypto.CounsellorKey
    ilse: crypto.CounsellorKey
    case: str


def _config(daan: crypto.CounsellorKey, ilse: crypto.CounsellorKey, locale: str) -> ServiceConfig:
    config = two_board_config(daan, ilse)
    org = config.organisations[0].model_copy(update={"locale": locale})
    return config.model_copy(update={"organisations": [org]})


async def _opened(w: Words, db: Path | None = None) -> Pair:
    """anna's case with daan, her first message in it."""
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    h = await make_harness(db, config=_config(daan, ilse, w.locale), counsellor_key=daan)
    await h.say("anna", w.new)
    await h.say("anna", "My lead keeps shouting at me.")
    case = await h.case_of("anna")
    assert any("My lead keeps shouting" in m for m in h.inbox("daan"))
    return Pair(h, daan, ilse, case)


async def _paired(w: Words, db: Path | None = None) -> Pair:
    """The case with ilse added: asked, agreed to, the key shared on daan's machine."""
    p = await _opened(w, db)
    await p.h.say("daan", f"{w.pair} {p.case} {w.add} ilse")
    await p.h.say("anna", f"{w.pair} {w.yes}")
    shared = await share_case(p.h.office, p.h.service.config, p.daan, p.case, "ilse")
    await p.h.worker.run_once()
    assert shared.partners == ("ilse",)
    return p


@LOCALES
async def test_the_reporter_is_asked_first_and_told_who(w: Words) -> None:
    p = await _opened(w)
    h = p.h
    await h.say("daan", f"{w.pair} {p.case} {w.add} ilse")
    asked = h.last("anna")
    assert w.asked in asked
    assert "Daan" in asked
    assert "Ilse" in asked
    # nothing changed yet: ilse holds no key and hears nothing of the case
    assert [k.holder for k in await h.store.sealed_keys(p.case)] == ["counsellor:daan"]
    await h.say("anna", "Who would that be?")
    assert not any(p.case in m for m in h.inbox("ilse"))
    # the key cannot be shared before the reporter agreed
    with pytest.raises(InvalidInput) as refused:
        await share_case(h.office, h.service.config, p.daan, p.case, "ilse")
    assert refused.value.key == "pair.no_consent"
    await h.close()


@LOCALES
async def test_a_refusal_adds_nobody(w: Words) -> None:
    p = await _opened(w)
    h = p.h
    await h.say("daan", f"{w.pair} {p.case} {w.add} ilse")
    await h.say("anna", f"{w.pair} {w.no}")
    with pytest.raises(InvalidInput) as refused:
        await share_case(h.office, h.service.config, p.daan, p.case, "ilse")
    assert refused.value.key == "pair.no_consent"
    assert [k.holder for k in await h.store.sealed_keys(p.case)] == ["counsellor:daan"]
    await h.say("anna", "Only for you.")
    assert any("Only for you." in m for m in h.inbox("daan"))
    assert not any(p.case in m for m in h.inbox("ilse"))
    [shown] = await h.say("anna", w.pair)
    assert "Daan" in shown
    assert "Ilse" not in shown
    audit = [r.kind for r in await h.store.audit_log()]
    assert "pair_consent" in audit
    assert "pair_added" not in audit
    await h.close()


@LOCALES
async def test_both_counsellors_receive_the_reporters_message(w: Words) -> None:
    p = await _paired(w)
    h = p.h
    assert any(p.case in m for m in h.inbox("ilse"))  # told she is on it
    await h.say("anna", "There is more: it happened again today.")
    for counsellor in ("daan", "ilse"):
        assert any("it happened again today" in m for m in h.inbox(counsellor)), counsellor
    # the second counsellor writes to the reporter like the first
    await h.say("ilse", f"!reply {p.case} Thank you, we both read it.")
    assert "Thank you, we both read it." in h.last("anna")
    # the reporter sees on request who works on the case, by name
    [shown] = await h.say("anna", w.pair)
    assert shown == w.both.format(case=p.case)
    [seen] = await h.say("ilse", f"{w.pair} {p.case}")  # and so does each counsellor
    assert seen.endswith(": daan, ilse.")
    # both open the whole case file with their own key
    for key in (p.daan, p.ilse):
        texts = [e.text for e in await open_case_file(h.store, p.case, key)]
        assert "My lead keeps shouting at me." in texts
    await h.close()


@LOCALES
async def test_removal_reseals_for_the_future(w: Words, tmp_path: Path) -> None:
    p = await _paired(w, tmp_path / "service.db")
    h = p.h
    # what daan could read while on the case: the case key sealed to him
    [his] = [k for k in await h.store.sealed_keys(p.case) if k.holder == "counsellor:daan"]
    await h.say("anna", "Before the change.")
    await h.say("ilse", f"{w.pair} {p.case} {w.remove} daan")
    assert w.removed in h.last("anna")
    before_daan = len(h.inbox("daan"))
    await h.say("anna", "After the change: only for Ilse.")
    assert any("only for Ilse" in m for m in h.inbox("ilse"))
    assert not any("only for Ilse" in m for m in h.inbox("daan"))
    assert len(h.inbox("daan")) == before_daan
    # daan's key no longer opens the case through `intermediary open`
    with pytest.raises(IntegrityError):
        await open_case_file(h.store, p.case, p.daan)
    # and with the key he had, the entries before his removal open, those after do not
    opened, closed = await _with_old_key(h, p.case, his, p.daan)
    assert "Before the change." in opened
    assert "My lead keeps shouting at me." in opened
    assert closed == ["message"]  # the one message after, sealed to the new key
    # ilse opens everything, before and after
    texts = [e.text for e in await open_case_file(h.store, p.case, p.ilse)]
    assert "Before the change." in texts
    assert "After the change: only for Ilse." in texts
    audit = [r.kind for r in await h.store.audit_log()]
    assert audit.count("pair_added") == 1
    assert audit.count("pair_removed") == 1
    await h.close()


async def _with_old_key(
    h: Harness, case: str, sealed: SealedKey, key: crypto.CounsellorKey
) -> tuple[list[str], list[str]]:
    """The entries the case key ``sealed`` to ``key`` opens (their texts), and the kinds
    of those it does not: the crypto functions on the stored rows, as a removed
    counsellor with a copy of the database would try."""
    inner = crypto.shred_open(shred_key(h.store.vault, case), "case-key", case, sealed.blob)
    secret = crypto.open_case_secret(inner, case, key)
    opened: list[str] = []
    closed: list[str] = []
    for e in await h.store.entries(case):
        try:
            plain = crypto.open_entry(secret, entry_aad(case, e.seq, e.author, e.kind), e.blob)
        except IntegrityError:
            closed.append(e.kind)
            continue
        opened.append(read_entry_plaintext(plain, e.created_at)[1])
    return opened, closed


@LOCALES
async def test_a_counsellor_can_remove_herself(w: Words) -> None:
    p = await _paired(w)
    h = p.h
    await h.say("ilse", f"{w.pair} {p.case} {w.remove} ilse")
    await h.say("anna", "Still there?")
    assert any("Still there?" in m for m in h.inbox("daan"))
    assert not any("Still there?" in m for m in h.inbox("ilse"))
    with pytest.raises(IntegrityError):
        await open_case_file(h.store, p.case, p.ilse)
    texts = [e.text for e in await open_case_file(h.store, p.case, p.daan)]
    assert texts[0] == "My lead keeps shouting at me."
    assert texts[-1] == "Still there?"
    # the last one cannot go: the case would have nobody
    answer = await h.say("daan", f"{w.pair} {p.case} {w.remove} daan")
    assert answer == [render("pair.last_holder", w.locale, counsellor="daan")]
    assert [k.holder for k in await h.store.sealed_keys(p.case)][-1] == "counsellor:daan"
    await h.close()


async def test_the_second_counsellor_lists_the_case_she_shares_until_removed() -> None:
    p = await _paired(WORDS["en"])
    h = p.h
    [listed] = await h.say("ilse", "!cases")
    assert p.case in listed
    await h.say("daan", f"!pair {p.case} remove ilse")
    [after] = await h.say("ilse", "!cases")
    assert p.case not in after
    [his] = await h.say("daan", "!cases")
    assert p.case in his
    await h.close()
