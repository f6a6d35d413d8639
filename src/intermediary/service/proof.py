"""A signed proof-of-report: that a case existed, and when, without content.

A reporter who was anonymous and is later identified keeps their protection
(Dir. 2019/1937 Art. 6(3)), so they need to be able to show that, and when,
they reported. The token names the case, organisation and counsellor and the
times of report, relay and acknowledgement; the service signs it; anyone
with the service's published verify key can check it.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Literal

from intermediary import crypto
from intermediary.core import Role
from intermediary.core.case import Case
from intermediary.errors import IntegrityError
from intermediary.store import AuditDraft
from intermediary.text import DEFAULT_LOCALE, Locale, render

__all__ = ["InvalidProof", "check_proof", "issue_proof", "make_proof"]

_PREFIX = "IVP1"
#: an Ed25519 signature's length: a shorter one was cut off, not forged
_SIGNATURE_BYTES = 64


class InvalidProof(IntegrityError):
    """A proof of report that does not check out, and which way: there is none in what
    was given (``not_found``), it is cut short or damaged (``damaged``), or what it
    states does not match its signature under the verify key used (``mismatch``: changed
    after signing, or signed by another service; Ed25519 cannot tell those apart)."""

    default_key = "errors.proof_invalid"

    def __init__(
        self, problem: Literal["not_found", "damaged", "mismatch"], *, key: str = ""
    ) -> None:
        self.problem = problem
        super().__init__("errors.proof_invalid", problem=problem, key=key)

    def message(self, locale: Locale = DEFAULT_LOCALE) -> str:
        reason = render(f"errors.proof_{self.problem}", locale, key=self.params["key"])
        return render(self.key, locale, problem=reason)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _when(moment: object) -> str | None:
    return None if moment is None else moment.isoformat()  # type: ignore[attr-defined]


def make_proof(keys: crypto.ServiceKeys, case: Case) -> str:
    claims = {
        "case": case.case_id,
        "organisation": case.org_id,
        "counsellor": case.counsellor_id,
        "opened": _when(case.opened_at),
        "reported": _when(case.received_at),
        "relayed": _when(case.relayed_at),
        "acknowledged": _when(case.acknowledged_at),
    }
    body = json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()
    return f"{_PREFIX}.{_b64(body)}.{_b64(crypto.sign(keys, body))}"


def issue_proof(keys: crypto.ServiceKeys, case: Case, at: datetime) -> tuple[str, AuditDraft]:
    """A proof of ``case`` asked for by its reporter, and the audit record of it."""
    draft = AuditDraft(
        org_id=case.org_id,
        case_id=case.case_id,
        kind="proof_issued",
        actor_role=Role.REPORTER,
        details="{}",
        at=at,
    )
    return make_proof(keys, case), draft


def check_proof(token: str, verify_key: crypto.ServiceVerifyKey) -> dict[str, str | None]:
    """The claims of a valid proof; :class:`InvalidProof`, saying what is wrong, for
    anything else."""
    try:
        prefix, body_text, signature_text = token.strip().split(".")
        if prefix != _PREFIX:
            raise ValueError(prefix)
        body, signature = _unb64(body_text), _unb64(signature_text)
    except ValueError:  # binascii.Error is one
        raise InvalidProof("damaged") from None
    if len(signature) != _SIGNATURE_BYTES:
        raise InvalidProof("damaged")
    try:
        crypto.verify_signature(verify_key, body, signature)
    except IntegrityError:
        raise InvalidProof("mismatch", key=verify_key.encode()) from None
    claims = json.loads(body)
    if not isinstance(claims, dict):  # signed by the service: only a bug gets here
        raise InvalidProof("damaged")
    return {str(k): (None if v is None else str(v)) for k, v in claims.items()}
