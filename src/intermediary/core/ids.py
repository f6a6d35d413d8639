"""Identifiers: distinct types for distinct things, and the case-id format.

A case id (``VP-7KQ3-M2XD``) is random Crockford base32, never derived from
the reporter. Randomness is passed in so the core stays deterministic.
"""

from __future__ import annotations

import re
from typing import NewType

__all__ = [
    "CROCKFORD",
    "CaseId",
    "CounsellorId",
    "DestinationId",
    "OrgId",
    "ReporterIndex",
    "crockford",
    "new_case_id",
    "parse_case_id",
]

CaseId = NewType("CaseId", str)
OrgId = NewType("OrgId", str)
CounsellorId = NewType("CounsellorId", str)
DestinationId = NewType("DestinationId", str)
#: A keyed hash of a reporter's platform address: lets the service find
#: "my cases" without storing who the reporter is.
ReporterIndex = NewType("ReporterIndex", str)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CASE_ID = re.compile(r"^VP-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def crockford(data: bytes) -> str:
    """Crockford base32 of ``data`` (5 bits a character, most significant first)."""
    bits = int.from_bytes(data, "big")
    length = (len(data) * 8 + 4) // 5
    pad = length * 5 - len(data) * 8
    bits <<= pad
    return "".join(CROCKFORD[(bits >> (5 * i)) & 31] for i in reversed(range(length)))


def new_case_id(random_bytes: bytes) -> CaseId:
    """A fresh case id from 5 random bytes (40 bits)."""
    if len(random_bytes) != 5:
        raise ValueError("a case id takes exactly 5 random bytes")
    body = crockford(random_bytes)
    return CaseId(f"VP-{body[:4]}-{body[4:]}")


def parse_case_id(text: str) -> CaseId | None:
    """A case id as a person might type it (lower case, O for 0), or ``None``."""
    cleaned = text.strip().upper().replace(" ", "")
    if cleaned.startswith("VP-"):
        cleaned = "VP-" + cleaned[3:].translate(_CONFUSABLE)
    elif len(cleaned) == 9 and cleaned[4] == "-":
        cleaned = "VP-" + cleaned.translate(_CONFUSABLE)
    return CaseId(cleaned) if _CASE_ID.match(cleaned) else None
