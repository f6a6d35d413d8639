"""Handover to a successor and recovery with the quorum, end to end on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.cli.session import local_runtime
from intermediary.config import ServiceConfig
from intermediary.core import CounsellorActor, CounsellorId, OrgId
from intermediary.crypto.recovery import WrongShare, split_secret
from intermediary.errors import IntegrityError, InvalidInput, WrongState
from intermediary.office.handover import hand_over_cases, recover_cases, recovery_key
from intermediary.runtime import Runtime, start
from intermediary.service.audit import verify_chain
from intermediary.service.casefile import open_case_file, open_identity
from intermediary.service.codec import Sender
from intermediary.store import SealedKey
from tests.harness import (
    PLANTED,
    Clock,
    Harness,
    RecordingTransport,
    make_harness,
    profile_of,
    two_board_config,
)


async def open_with(h: Harness, name: str, choice: str, text: str) -> str:
    await h.say(name, "!new mode=consult disclosure=confidential category=bullying")
    await h.say(name, choice)  # 1 = Daan, 2 = Ilse
    await h.say(name, text)
    return await h.case_of(name)


async def texts(h: Harness, case: str, key: crypto.CounsellorKey) -> list[str]:
    return [e.text for e in await open_case_file(h.store, case, key)]


async def test_handover_moves_open_cases_and_leaves_closed_ones(tmp_path: Path) -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    config = two_board_config(daan, ilse)
    h = await make_harness(tmp_path / "case.db", config=config, counsellor_key=daan)
    open_case = await open_with(h, "saskia", "1", "the purple stapler again")
    closed_case = await open_with(h, "anna", "1", "an old matter")
    await h.say("daan", f"!close {closed_case} resolved bullying")

    result = await hand_over_cases(h.office, config, daan, "ilse")
    await h.worker.run_once()

    assert result.moved == (open_case,)
    assert result.kept == (closed_case,)
    assert await texts(h, open_case, ilse) == ["the purple stapler again"]
    identity = await open_identity(h.store, open_case, ilse)
    assert identity is not None
    assert identity.display_name == PLANTED[0]
    with pytest.raises(IntegrityError, match="does not belong"):
        await open_case_file(h.store, open_case, daan)
    assert await texts(h, closed_case, daan) == ["an old matter"]  # stays with Daan
    assert "now with another counsellor: Ilse" in h.last("saskia")
    assert h.inbox("anna")[-1:] != [h.last("saskia")]
    assert "handed over to you by daan" in h.last("ilse")
    # the conversation goes on, now with Ilse
    await h.say("saskia", "is anyone there?")
    assert "is anyone there?" in h.last("ilse")
    assert await h.say("daan", f"!reply {open_case} hello") != []
    assert "is anyone there?" not in " ".join(h.inbox("daan"))
    kinds = [r.kind for r in await h.office.audit_of(open_case)]
    assert "handover" in kinds
    assert verify_chain(await h.store.audit_log(), h.keys.verify_key).ok
    await h.close()


async def test_aftercare_and_a_complaint_still_accompanied_go_along(tmp_path: Path) -> None:
    """A case waiting for its check-in and a closed case whose formal complaint Daan
    still accompanies go to Ilse with his open cases: the check-in and the complaint's
    reminders are hers now. A closed case with nothing going on stays with Daan."""
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    config = two_board_config(daan, ilse)
    h = await make_harness(tmp_path / "case.db", config=config, counsellor_key=daan)
    later = await open_with(h, "saskia", "1", "the purple stapler again")
    await h.say("daan", f"!close {later} resolved bullying aftercare=4")
    complaint = await open_with(h, "mallory", "1", "the committee will hear it")
    await h.say("daan", f"!complaint {complaint} filed klachtencommissie")
    await h.say("daan", f"!close {complaint} formal_complaint bullying")
    quiet = await open_with(h, "anna", "1", "an old matter")
    await h.say("daan", f"!close {quiet} resolved bullying")
    await h.worker.run_once()
    told = {name: len(h.inbox(name)) for name in ("saskia", "mallory", "anna")}

    result = await hand_over_cases(h.office, config, daan, "ilse")
    await h.worker.run_once()

    assert sorted(result.moved) == sorted([later, complaint])
    assert result.kept == (quiet,)
    assert await texts(h, later, ilse) == ["the purple stapler again"]
    assert (await texts(h, complaint, ilse))[0] == "the committee will hear it"
    assert await texts(h, quiet, daan) == ["an old matter"]
    # the reporter waiting for her check-in is told who will write; the closed ones not
    assert "now with another counsellor: Ilse" in h.last("saskia")
    assert len(h.inbox("mallory")) == told["mallory"]
    assert len(h.inbox("anna")) == told["anna"]
    with pytest.raises(InvalidInput, match="no open cases"):  # nothing left to hand over
        await hand_over_cases(h.office, config, daan, "ilse")
    await h.close()


async def test_bad_handovers_are_refused_and_change_nothing() -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    config = two_board_config(daan, ilse)
    h = await make_harness(config=config, counsellor_key=daan)
    case = await open_with(h, "saskia", "1", "my words")
    stranger = crypto.CounsellorKey.generate()
    with pytest.raises(InvalidInput, match="board is not a counsellor of acme"):
        await hand_over_cases(h.office, config, daan, "board")
    with pytest.raises(InvalidInput, match="not a counsellor of acme"):
        await hand_over_cases(h.office, config, daan, stranger.public.encode())
    with pytest.raises(InvalidInput, match="already the counsellor"):
        await hand_over_cases(h.office, config, daan, "daan")
    with pytest.raises(IntegrityError):  # a key that is no counsellor's cannot hand over
        await hand_over_cases(h.office, config, stranger, "ilse")
    with pytest.raises(InvalidInput, match="no open cases"):
        await hand_over_cases(h.office, config, ilse, "daan")
    assert await texts(h, case, daan) == ["my words"]
    assert [r.kind for r in await h.office.audit_of(case)].count("handover") == 0
    await h.close()


async def test_a_closed_case_cannot_be_handed_over_one_by_one() -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    h = await make_harness(config=two_board_config(daan, ilse), counsellor_key=daan)
    case = await open_with(h, "saskia", "1", "words")
    await h.say("daan", f"!close {case} resolved bullying")
    with pytest.raises(InvalidInput, match="no open cases"):
        await hand_over_cases(h.office, h.service.config, daan, "ilse")
    actor = CounsellorActor(OrgId("acme"), CounsellorId("daan"))
    sealed = SealedKey(case_id=case, holder="counsellor:ilse", blob=b"x")
    with pytest.raises(WrongState):
        await h.office.hand_over(actor, case, "ilse", sealed)
    assert await texts(h, case, daan) == ["words"]
    await h.close()


# --- the recovery quorum -----------------------------------------------------------------


def shares_of(recovery: crypto.CounsellorKey, k: int = 3, n: int = 5) -> list[str]:
    return split_secret(
        recovery.secret_bytes(), threshold=k, shares=n, fingerprint=recovery.public.fingerprint()
    )


def replace_key(config: ServiceConfig, counsellor: str, key: crypto.CounsellorKey) -> ServiceConfig:
    raw = config.model_dump()
    for org in raw["organisations"]:
        for c in org["counsellors"]:
            if c["id"] == counsellor:
                c["public_key"] = key.public.encode()
    return ServiceConfig.model_validate(raw)


async def test_a_lost_key_is_replaced_with_three_of_five_shares(tmp_path: Path) -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    recovery = crypto.CounsellorKey.generate()
    shares = shares_of(recovery)
    config = two_board_config(daan, ilse, recovery_public_key=recovery.public.encode())
    clock = Clock()
    h = await make_harness(tmp_path / "case.db", config=config, counsellor_key=daan, clock=clock)
    keys = h.keys
    first = await open_with(h, "saskia", "1", "first case")
    second = await open_with(h, "anna", "1", "second case")
    await h.say("daan", f"!close {second} resolved bullying")
    await h.close()

    # Daan's laptop is stolen: a new key, the configuration updated, the quorum meets
    new_daan = crypto.CounsellorKey.generate()
    config = replace_key(config, "daan", new_daan)
    h = await make_harness(
        tmp_path / "case.db", config=config, keys=keys, counsellor_key=new_daan, clock=clock
    )
    key = recovery_key(config, [shares[4], shares[1], shares[2]])
    result = await recover_cases(h.office, config, key, org_id="acme", counsellor="daan")

    assert set(result.moved) == {first, second}  # closed cases too: it is still Daan's
    assert await texts(h, first, new_daan) == ["first case"]
    assert await texts(h, second, new_daan) == ["second case"]
    with pytest.raises(IntegrityError):
        await open_case_file(h.store, first, daan)  # the stolen key no longer opens it
    assert [r.kind for r in await h.store.audit_log()].count("case_key_resealed") == 2
    assert "recovery_used" in [r.kind for r in await h.store.audit_log()]
    await h.close()


async def test_the_quorum_hands_over_for_a_counsellor_who_left() -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    recovery = crypto.CounsellorKey.generate()
    config = two_board_config(daan, ilse, recovery_public_key=recovery.public.encode())
    h = await make_harness(config=config, counsellor_key=daan)
    case = await open_with(h, "saskia", "1", "words for Daan")
    key = recovery_key(config, shares_of(recovery, 2, 3)[:2])
    result = await recover_cases(
        h.office, config, key, org_id="acme", counsellor="daan", successor="ilse"
    )
    assert result.moved == (case,)
    assert await texts(h, case, ilse) == ["words for Daan"]
    await h.worker.run_once()
    assert "now with another counsellor: Ilse" in h.last("saskia")
    await h.close()


async def test_cases_from_before_the_recovery_key_are_named_not_lost() -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    recovery = crypto.CounsellorKey.generate()
    plain = two_board_config(daan, ilse)
    h = await make_harness(config=plain, counsellor_key=daan)
    case = await open_with(h, "saskia", "1", "early words")
    config = two_board_config(daan, ilse, recovery_public_key=recovery.public.encode())
    key = recovery_key(config, shares_of(recovery)[:3])
    result = await recover_cases(h.office, config, key, org_id="acme", counsellor="daan")
    assert result.moved == ()
    assert result.unrecoverable == (case,)
    assert await texts(h, case, daan) == ["early words"]
    await h.close()


def test_fewer_duplicate_foreign_and_wrong_shares_are_refused() -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    recovery = crypto.CounsellorKey.generate()
    config = two_board_config(daan, ilse, recovery_public_key=recovery.public.encode())
    shares = shares_of(recovery)
    with pytest.raises(InvalidInput, match="1 more"):
        recovery_key(config, shares[:2])
    with pytest.raises(InvalidInput, match="same share"):
        recovery_key(config, [shares[0], shares[1], shares[0]])
    other = crypto.CounsellorKey.generate()
    with pytest.raises(InvalidInput, match="not to this installation's recovery key"):
        recovery_key(config, shares_of(other)[:3])
    # a holder hands in a paper from a different key, labelled as ours
    forged = split_secret(
        other.secret_bytes(), threshold=3, shares=5, fingerprint=recovery.public.fingerprint()
    )
    with pytest.raises(WrongShare, match="do not give this installation's recovery key"):
        recovery_key(config, forged[:3])
    with pytest.raises(InvalidInput, match="No recovery key is configured"):
        recovery_key(two_board_config(daan, ilse), shares[:3])


async def test_the_quorum_s_handover_notice_goes_out_on_the_front_end_s_platform(
    tmp_path: Path,
) -> None:
    """Issue 17: a notice made at the command line (its runtime's platform is ``local``)
    was queued for ``local``, which no front end serves. Made by the recovery quorum's
    handover, it now reaches the successor on the installation's Matrix account."""
    daan, ilse, recovery = (crypto.CounsellorKey.generate() for _ in range(3))
    two = two_board_config(daan, ilse, recovery_public_key=recovery.public.encode())
    org = two.organisations[0]
    matrix = {"daan": "@daan:example.org", "ilse": "@ilse:example.org"}
    config = two.model_copy(
        update={
            "base_dir": str(tmp_path),
            "matrix": {"homeserver": "http://127.0.0.1:8008"},
            "organisations": [
                org.model_copy(
                    update={
                        "counsellors": [
                            c.model_copy(update={"addresses": {"matrix": matrix[c.id]}})
                            for c in org.counsellors
                        ],
                        "management": [
                            d.model_copy(update={"addresses": {"matrix": f"!{d.id}:example.org"}})
                            for d in org.management
                        ],
                    }
                )
            ],
        }
    )
    keys = crypto.ServiceKeys.generate()
    saskia = Sender(platform="matrix", address="@saskia:example.org")

    async def front_end() -> tuple[Runtime, RecordingTransport, ChatFrontEnd]:
        transport = RecordingTransport()
        runtime = await start(config, keys, transport, platform="matrix", receipt_limits=crypto.MIN)
        return runtime, transport, ChatFrontEnd(runtime.service)

    runtime, transport, front = await front_end()
    for text in ("!new mode=consult disclosure=confidential category=bullying", "1", "words"):
        await front.handle(saskia, text, profile=profile_of("saskia"))
    await runtime.close()

    local = await local_runtime(config, keys)
    result = await recover_cases(
        local.office, config, recovery, org_id="acme", counsellor="daan", successor="ilse"
    )
    await local.close()
    assert len(result.moved) == 1

    runtime, transport, front = await front_end()
    await runtime.worker.run_once()
    notices = [m for m in transport.sent if "handed over to you" in m.text]
    assert [(m.platform, m.address) for m in notices] == [("matrix", "@ilse:example.org")]
    await front.handle(saskia, "still there?", profile=profile_of("saskia"))
    await runtime.worker.run_once()
    assert any("still there?" in t for t in transport.inbox("@ilse:example.org"))
    await runtime.close()
