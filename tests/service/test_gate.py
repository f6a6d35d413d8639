"""What a chat address may ask (service/gate.py): the proof the lifecycle table wants,
demanded before a case is looked up, with the words of the command line that gives a
step proven by the counsellor's key."""

from __future__ import annotations

import pytest

from intermediary.core import (
    AddPair,
    Close,
    Handover,
    OpenCase,
    PlaceHold,
    Proof,
    Purge,
    RecordConscienceDisclosure,
    RecordLegalDisclosure,
    ReleaseHold,
    Reply,
    Resume,
    Reveal,
    SendMessage,
)
from intermediary.core.lifecycle import RULES
from intermediary.errors import NotAllowed, UnknownCase
from intermediary.service.gate import refuse_unproven
from intermediary.text import catalog, render

#: the command lines a refusal has named since before the lifecycle table: unchanged
WORDS = {
    Reveal: "intermediary reveal",
    RecordLegalDisclosure: "intermediary disclose legal",
    RecordConscienceDisclosure: "intermediary disclose conscience",
    PlaceHold: "intermediary hold",
    ReleaseHold: "intermediary hold --release",
    Handover: "intermediary keys handover",
    AddPair: "intermediary keys share",
}


@pytest.mark.parametrize("kind", list(WORDS), ids=lambda k: k.__name__)
def test_a_step_proven_by_key_names_its_command_line(kind: type) -> None:
    with pytest.raises(NotAllowed) as info:
        refuse_unproven(kind, "VP-AAAA-BBBB")
    assert info.value.key == "errors.needs_key"
    assert WORDS[kind] in info.value.message("en")
    assert WORDS[kind] in info.value.message("nl")


def test_every_step_proven_by_key_has_a_command_line() -> None:
    """A new row of the table proven by the key cannot be forgotten here."""
    keyed = {rule.step for rule in RULES if rule.proof is Proof.KEY}
    for locale in ("en", "nl"):
        assert {s for s in keyed if f"words.command_line.{s.value}" in catalog(locale)} == keyed
    assert render("errors.needs_key", "en", command_line="x").count("(x)") == 1
    assert {rule.command for rule in RULES if rule.proof is Proof.KEY} == set(WORDS)


def test_resume_needs_the_receipt_phrase() -> None:
    with pytest.raises(NotAllowed) as info:
        refuse_unproven(Resume, "vp-aaaa-bbbb")
    assert info.value.key == "errors.needs_receipt"
    assert info.value.params == {"case": "vp-aaaa-bbbb"}


def test_opening_an_existing_code_is_answered_like_no_case() -> None:
    """The code is echoed normalised, as for a case that does not exist."""
    with pytest.raises(UnknownCase) as info:
        refuse_unproven(OpenCase, "vp-aaaa-bbbb")
    assert info.value.params == {"case": "VP-AAAA-BBBB"}


@pytest.mark.parametrize("kind", [SendMessage, Reply, Close, Purge], ids=lambda k: k.__name__)
def test_party_and_service_steps_go_on_to_the_case(kind: type) -> None:
    """The party check and the core decide these (a purge from chat: the core's role
    refusal, as before)."""
    refuse_unproven(kind, "VP-AAAA-BBBB")
