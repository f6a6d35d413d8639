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

from intermediary import crypto
from intermediary.core.case import Case
from intermediary.errors import IntegrityError

__all__ = ["check_proof", "make_proof"]

_PREFIX = "IVP1"


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


def check_proof(token: str, verify_key: crypto.ServiceVerifyKey) -> dict[str, str | None]:
    """The claims of a valid proof; :class:`IntegrityError` for anything else."""
    try:
        prefix, body_text, signature_text = token.strip().split(".")
        if prefix != _PREFIX:
            raise ValueError(prefix)
        body, signature = _unb64(body_text), _unb64(signature_text)
    except ValueError:
        raise IntegrityError(what="proof of report") from None
    crypto.verify_signature(verify_key, body, signature)
    claims = json.loads(body)
    if not isinstance(claims, dict):
        raise IntegrityError(what="proof of report")
    return {str(k): (None if v is None else str(v)) for k, v in claims.items()}
