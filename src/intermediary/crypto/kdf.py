"""argon2id costs: what one passphrase guess costs an attacker (and us).

A key file or a receipt hash can be copied and attacked offline for as long as the
attacker likes; the cost of each guess is all that stands in the way. Key files and
receipts pick one of these levels, and nothing is ever accepted that asks for more than
:data:`SENSITIVE`: an edited file or row must not make the service work for hours or
allocate gigabytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import nacl.pwhash.argon2id as argon2id

__all__ = ["INTERACTIVE", "MIN", "MODERATE", "SENSITIVE", "KdfLimits"]


@dataclass(frozen=True)
class KdfLimits:
    """argon2id cost: what one passphrase guess costs an attacker (and us)."""

    name: str
    opslimit: int
    memlimit: int


SENSITIVE = KdfLimits("sensitive", argon2id.OPSLIMIT_SENSITIVE, argon2id.MEMLIMIT_SENSITIVE)
MODERATE = KdfLimits("moderate", argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE)
INTERACTIVE = KdfLimits("interactive", argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE)
#: Tests only: so cheap that it protects nothing.
MIN = KdfLimits("min", argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN)
