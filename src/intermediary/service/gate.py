"""What a chat address may ask: the proof each command needs, demanded by the shell.

The lifecycle table (:func:`intermediary.core.proof_of`) says what proves who gives a
step; the core cannot see a chat address or a key, so the service demands it here,
*before* the case is looked up: the answer is then the same for every case code,
existing or not. A chat address proves only that someone is a party to a case; the
other proofs come through their own doors (``open_case``, ``resume``, ``act_as``).
And the service itself must prove to be the published one: its key file's verify key
is the configured ``service.verify_key`` (:func:`refuse_swapped_key`).
"""

from __future__ import annotations

from intermediary import crypto
from intermediary.core import Proof, proof_of, step_of
from intermediary.errors import ConfigError, NotAllowed, UnknownCase
from intermediary.service.hygiene import as_typed

__all__ = ["refuse_swapped_key", "refuse_unproven"]


def refuse_swapped_key(keys: crypto.ServiceKeys, published: str | None) -> None:
    """Refuse to start with a key file whose verify key is not the published one.

    A key file swapped for one of the operator's own would sign a chain and relays of
    its own: the configured, published key (``service.verify_key``) says whose they
    must be."""
    if published and keys.verify_key.encode() != published:
        raise ConfigError(
            detail=f"the service key file's verify key ({keys.verify_key.fingerprint()}) "
            f"is not the published service.verify_key "
            f"({crypto.ServiceVerifyKey.decode(published).fingerprint()}); "
            "was the key file replaced?"
        )


def refuse_unproven(kind: type, case_id: str) -> None:
    """Refuse a command of type ``kind`` given by a chat address when the table wants a
    proof a chat address cannot give (for ``case_id``, as typed)."""
    match proof_of(kind):
        case Proof.FRESH_CASE:  # cases are opened by ``open_case``, with a fresh id: an
            raise UnknownCase(case=as_typed(case_id))  # existing id must not answer otherwise
        case Proof.RECEIPT:  # the receipt phrase is the proof: ``resume`` checks it
            raise NotAllowed("errors.needs_receipt", case=case_id)
        case Proof.KEY:  # holding the counsellor's key is the proof: ``act_as``
            # the command line to use is rendered from the catalogue (``words.command_line``)
            raise NotAllowed("errors.needs_key", command_line=step_of(kind))
        case Proof.PARTY | Proof.SERVICE:  # the party check, and the core, decide
            return
