"""The case key when a second counsellor is removed (service/pair_keys.py), on SQLite.

The service makes a new key pair, seals it to who stays (and to the recovery key),
replaces the case's public key, and keeps the superseded key sealed to who stays only:
so the remaining counsellor opens every entry and the identity of either key, the
removed one holds no copy in the database, and later entries are sealed to the new key.
Who may remove is held to the authorization matrix's answers here (the matrix leaves
this step out: its "other counsellor" is the second one on the case).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.core import (
    AddPair,
    AnswerPair,
    AskPair,
    CounsellorActor,
    CounsellorId,
    Disclosure,
    Mode,
    OrgId,
    RemovePair,
    Reply,
    SendMessage,
)
from intermediary.crypto.vault import shred_key
from intermediary.errors import IntegrityError, InvalidInput, NotAllowed, UnknownCase
from intermediary.office.handover import hand_over_cases
from intermediary.office.pair import share_case
from intermediary.service.casefile import open_case_file, open_identity, unlock_case_keys
from intermediary.service.codec import Sender
from intermediary.store import SealedKey
from tests.harness import Harness, make_harness, profile_of, two_board_config

ANNA = Sender(platform="console", address="saskia")
DAAN_AT = Sender(platform="console", address="daan")
ILSE_AT = Sender(platform="console", address="ilse")


async def _two_on_a_case(
    tmp_path: Path, **service: object
) -> tuple[Harness, crypto.CounsellorKey, crypto.CounsellorKey, str]:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    config = two_board_config(daan, ilse, **service)
    h = await make_harness(tmp_path / "service.db", config=config, counsellor_key=daan)
    case, _ = await h.service.open_case(
        ANNA,
        profile_of("saskia"),
        org_id="acme",
        counsellor_id="daan",
        mode=Mode.REPORT,
        disclosure=Disclosure.CONFIDENTIAL,
        categories=("bullying",),
        first_message="The first words, under the first key.",
    )
    await h.service.act(DAAN_AT, case.case_id, AskPair(counsellor="ilse"))
    await h.service.act(ANNA, case.case_id, AnswerPair(agree=True))
    await share_case(h.office, h.service.config, daan, case.case_id, "ilse")
    return h, daan, ilse, case.case_id


async def test_the_remaining_counsellor_opens_entries_of_both_keys(tmp_path: Path) -> None:
    h, daan, ilse, case = await _two_on_a_case(tmp_path)
    first = await h.store.load_case(case)
    assert first is not None
    await h.service.act(ILSE_AT, case, Reply(text="Ilse, under the first key."))
    await h.service.act(ILSE_AT, case, RemovePair(counsellor="daan"))
    after = await h.store.load_case(case)
    assert after is not None
    assert after[0].case_public != first[0].case_public  # a new case key
    assert after[0].counsellor_id == "ilse"  # the case is now hers
    await h.service.act(ANNA, case, SendMessage(text="Under the second key."))

    holders = sorted(k.holder for k in await h.store.sealed_keys(case))
    assert holders == ["counsellor:ilse", "counsellor:ilse|0"]
    secrets = await unlock_case_keys(h.store, case, ilse)
    assert len(secrets) == 2
    assert bytes(secrets[0]._private.public_key) == after[0].case_public  # current first
    texts = [e.text for e in await open_case_file(h.store, case, ilse)]
    assert texts[0] == "The first words, under the first key."
    assert "Ilse, under the first key." in texts
    assert texts[-1] == "Under the second key."
    # the identity was sealed to the first key: it still opens for her
    identity = await open_identity(h.store, case, ilse)
    assert identity is not None
    assert identity.display_name == profile_of("saskia").display_name
    # the removed counsellor: no row, nothing opens
    with pytest.raises(IntegrityError):
        await open_case_file(h.store, case, daan)
    await h.close()


async def test_a_removal_after_a_removal_keeps_every_key(tmp_path: Path) -> None:
    """Two rotations: ilse added, removed, added again, daan removed: three keys."""
    h, daan, ilse, case = await _two_on_a_case(tmp_path)
    await h.service.act(DAAN_AT, case, RemovePair(counsellor="ilse"))
    await h.service.act(ANNA, case, SendMessage(text="Second key."))
    await h.service.act(DAAN_AT, case, AskPair(counsellor="ilse"))
    await h.service.act(ANNA, case, AnswerPair(agree=True))
    await share_case(h.office, h.service.config, daan, case, "ilse")
    await h.service.act(ILSE_AT, case, RemovePair(counsellor="daan"))
    await h.service.act(ANNA, case, SendMessage(text="Third key."))
    # added again, ilse was given the earlier key too: she reads the case from its start
    texts = [e.text for e in await open_case_file(h.store, case, ilse)]
    assert texts[0] == "The first words, under the first key."
    assert texts[-2:] == ["Second key.", "Third key."]
    holders = sorted(k.holder for k in await h.store.sealed_keys(case))
    assert holders == ["counsellor:ilse", "counsellor:ilse|0", "counsellor:ilse|1"]
    assert len(await unlock_case_keys(h.store, case, ilse)) == 3
    with pytest.raises(IntegrityError):  # none of daan's generations is left
        await open_case_file(h.store, case, daan)
    await h.close()


async def test_the_recovery_key_follows_the_new_key(tmp_path: Path) -> None:
    recovery = crypto.CounsellorKey.generate()
    h, _daan, _ilse, case = await _two_on_a_case(
        tmp_path, recovery_public_key=recovery.public.encode()
    )
    await h.service.act(ILSE_AT, case, RemovePair(counsellor="daan"))
    await h.service.act(ANNA, case, SendMessage(text="After, for the quorum too."))
    sealed = {k.holder: k for k in await h.store.sealed_keys(case)}
    assert {"recovery", "recovery|0"} <= set(sealed)
    texts = [e.text for e in await open_case_file(h.store, case, recovery)]
    assert texts[0] == "The first words, under the first key."
    assert texts[-1] == "After, for the quorum too."
    await h.close()


async def test_who_may_remove(tmp_path: Path) -> None:
    h, _daan, _ilse, case = await _two_on_a_case(tmp_path)
    stranger = Sender(platform="console", address="carla")
    refusals: tuple[tuple[Sender, type[Exception]], ...] = (
        (stranger, UnknownCase),
        (Sender(platform="console", address="director"), UnknownCase),  # never told
        (ANNA, NotAllowed),
    )
    for sender, refusal in refusals:
        with pytest.raises(refusal):
            await h.service.act(sender, case, RemovePair(counsellor="daan"))
    with pytest.raises(InvalidInput):  # not on the case
        await h.service.act(DAAN_AT, case, RemovePair(counsellor="nobody"))
    await h.service.act(DAAN_AT, case, RemovePair(counsellor="ilse"))
    # removed: for ilse the case is now like one that does not exist
    with pytest.raises(UnknownCase):
        await h.service.act(ILSE_AT, case, Reply(text="Am I still here?"))
    await h.close()


async def test_a_shared_key_must_be_for_the_counsellor_named(tmp_path: Path) -> None:
    """The service checks the sealed key's holder as a handover does: a key for someone
    else than the counsellor the step adds is refused, and nothing changes."""
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    config = two_board_config(daan, ilse)
    h = await make_harness(tmp_path / "service.db", config=config, counsellor_key=daan)
    case, _ = await h.service.open_case(
        ANNA,
        profile_of("saskia"),
        org_id="acme",
        counsellor_id="daan",
        mode=Mode.REPORT,
        disclosure=Disclosure.ANONYMOUS,
        categories=("bullying",),
        first_message="Hello.",
    )
    await h.service.act(DAAN_AT, case.case_id, AskPair(counsellor="ilse"))
    await h.service.act(ANNA, case.case_id, AnswerPair(agree=True))
    actor = CounsellorActor(OrgId("acme"), CounsellorId("daan"))
    shred = shred_key(h.store.vault, case.case_id)
    wrong = SealedKey(
        case_id=case.case_id,
        holder="counsellor:mallory",
        blob=crypto.shred_seal(shred, "case-key", case.case_id, b"x"),
    )
    for transfer in (None, wrong):
        with pytest.raises(InvalidInput):
            await h.service.act_as(
                actor, case.case_id, AddPair(counsellor="ilse"), transfer=transfer
            )
    assert [k.holder for k in await h.store.sealed_keys(case.case_id)] == ["counsellor:daan"]
    await h.close()


async def test_a_handover_after_a_removal_gives_every_key(tmp_path: Path) -> None:
    """Paired, the second one removed, then the case handed over: the successor opens it
    from its start, and the leaving counsellor keeps no key of it in the database."""
    h, daan, ilse, case = await _two_on_a_case(tmp_path)
    await h.service.act(ILSE_AT, case, RemovePair(counsellor="ilse"))
    await h.service.act(ANNA, case, SendMessage(text="Under the second key."))
    result = await hand_over_cases(h.office, h.service.config, daan, "ilse")
    assert result.moved == (case,)
    texts = [e.text for e in await open_case_file(h.store, case, ilse)]
    assert texts[0] == "The first words, under the first key."
    assert texts[-1] == "Under the second key."
    holders = sorted(k.holder for k in await h.store.sealed_keys(case))
    assert holders == ["counsellor:ilse", "counsellor:ilse|0"]
    with pytest.raises(IntegrityError):
        await open_case_file(h.store, case, daan)
    await h.close()
