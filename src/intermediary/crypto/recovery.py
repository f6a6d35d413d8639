"""Splitting the recovery private key among people: any *k* of *n* shares rebuild it.

The recovery key opens every case file, so no single person should hold it.
:func:`split_secret` cuts its 32 private-key bytes into *n* shares with
Shamir's scheme over GF(2^8) (the maintained ``pyshamir`` port of HashiCorp
Vault's code: one random polynomial of degree *k*-1 per byte, evaluated at a
random, distinct x-coordinate per share). Any *k* shares give the key back;
fewer than *k* say nothing at all about it. :func:`combine_shares` checks
everything it can *before* combining, because Shamir itself cannot tell a
wrong share from a right one: it would quietly produce a different key.

Share format (version ``ivr1``)
-------------------------------

One line of lower-case letters, digits and hyphens, meant to be printed or
written down by hand::

    ivr1-3of5-17-a1b2c3d4e5f6a7b8-k3m9-7kq3-m2xd-...-x4k0-9ht2qa
    |    |    |  |                |    |                  |
    |    |    |  |                |    |                  check code (6 characters)
    |    |    |  |                |    share bytes: 52 characters in 13 groups of 4
    |    |    |  |                split id: 4 characters, the same on every share
    |    |    |  |                of one split
    |    |    |  fingerprint of the recovery *public* key the shares belong to
    |    |    share number: its x-coordinate, 1-255 (random, not 1..n)
    |    threshold *k* "of" number of shares *n*
    format and version

- *Characters*: the share bytes, split id and check code use Crockford's
  base32 (``0-9`` and ``a-z`` without ``i l o u``), so ``o``/``0`` and
  ``i``/``l``/``1`` cannot be confused: when reading back, ``o`` counts as
  ``0``, ``i`` and ``l`` as ``1`` and ``u`` as ``v``. The 32 share bytes are
  256 bits, written as 52 characters of 5 bits with 4 zero bits of padding.
- *Reading back* ignores all white space (spaces, tabs, line breaks, anywhere)
  and case, accepts typographic dashes (``–``, ``—``, ...) as hyphens and any
  number of hyphens between fields. Hyphens separate the first five fields;
  after the split id everything up to the end is the share bytes followed by
  the check code, so the grouping of the share bytes does not matter.
- *Check code*: the first 6 Crockford characters (30 bits) of
  ``BLAKE2b(canonical, digest_size=4, person=b"intermediary-ivr")``, where
  ``canonical`` is the share without its check code in its one canonical
  spelling: ``ivr1-<k>of<n>-<x>-<fingerprint>-<split id>-<52 characters>``
  (decimal numbers without leading zeros, no grouping hyphens). Every typing
  error (a wrong, missing or extra character, two characters swapped) is
  caught except with probability 2^-30; none of it says anything about the key.
- *Split id*: random, made once per split, so shares of an earlier split of
  the same key (say, before a holder left) are refused when mixed with the
  current ones, instead of silently combining to a wrong key.

Errors are :class:`~intermediary.errors.InvalidInput` with a ``recovery.*``
text key; they name shares by their position in the list given (1 = first),
never by their content. Whoever combines the shares must still check the key
they get against the recovery public key, and raise :class:`WrongShare` when
it does not match (only :mod:`intermediary.crypto` may derive public keys).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyshamir  # type: ignore[import-untyped]  # ships no py.typed marker

from intermediary.core.ids import CROCKFORD, crockford
from intermediary.errors import InvalidInput

__all__ = [
    "MAX_SHARES",
    "MIN_THRESHOLD",
    "PREFIX",
    "SECRET_LENGTH",
    "Share",
    "WrongShare",
    "combine_shares",
    "format_share",
    "parse_share",
    "split_secret",
]

PREFIX = "ivr1"
#: an X25519 private key
SECRET_LENGTH = 32
#: one share alone must never be enough
MIN_THRESHOLD = 2
#: x-coordinates are the non-zero elements of GF(2^8)
MAX_SHARES = 255

_ALPHABET = CROCKFORD.lower()
_DATA_CHARS = (SECRET_LENGTH * 8 + 4) // 5  # 52
_PAD_BITS = _DATA_CHARS * 5 - SECRET_LENGTH * 8  # 4
_GROUP = 4
_SPLIT_CHARS = 4
_CHECK_CHARS = 6
_PERSON = b"intermediary-ivr"
_CONFUSABLE = str.maketrans({"o": "0", "i": "1", "l": "1", "u": "v"})
_DASHES = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-")
)
_FINGERPRINT = re.compile(r"[0-9a-z]{4,64}")
_KOFN = re.compile(r"(\d{1,3})of(\d{1,3})")
_NUMBER = re.compile(r"\d{1,3}")


class WrongShare(InvalidInput):
    """The shares were well formed and consistent, but give a key that is not the
    recovery key: at least one of them is not the share that was handed out."""

    default_key = "recovery.wrong_share"


@dataclass(frozen=True)
class Share:
    """One share, as read from its text."""

    #: how many shares are needed (*k*)
    threshold: int
    #: how many shares were made (*n*)
    shares: int
    #: the share's x-coordinate, 1-255: its number, unique within a split
    index: int
    #: fingerprint of the recovery public key the share belongs to
    fingerprint: str
    #: random id of the split, the same on all its shares
    split: str
    #: the 32 share bytes (the polynomials' values at ``index``); never shown
    data: bytes = field(repr=False)

    @property
    def text(self) -> str:
        """The share as a person writes it down."""
        return format_share(self)


def _malformed(position: int, reason: str) -> InvalidInput:
    # ``reason`` is a machine word for callers and tests, not part of the sentence
    return InvalidInput("recovery.malformed_share", position=position, reason=reason)


def _canonical(share: Share, data_chars: str) -> str:
    return (
        f"{PREFIX}-{share.threshold}of{share.shares}-{share.index}-"
        f"{share.fingerprint}-{share.split}-{data_chars}"
    )


def _check(canonical: str) -> str:
    digest = hashlib.blake2b(canonical.encode("ascii"), digest_size=4, person=_PERSON).digest()
    return crockford(digest).lower()[:_CHECK_CHARS]


def _encode(data: bytes) -> str:
    return crockford(data).lower()


def _decode(chars: str) -> bytes | None:
    value = 0
    for char in chars:
        value = value * 32 + _ALPHABET.index(char)
    if value & ((1 << _PAD_BITS) - 1):
        return None
    return (value >> _PAD_BITS).to_bytes(SECRET_LENGTH, "big")


def _normal_fingerprint(fingerprint: str) -> str:
    cleaned = fingerprint.strip().lower()
    if not _FINGERPRINT.fullmatch(cleaned):
        raise ValueError("a recovery key fingerprint is 4-64 letters and digits, nothing else")
    return cleaned


def format_share(share: Share) -> str:
    """The text of ``share``: see the module's description of the format."""
    if len(share.data) != SECRET_LENGTH:
        raise ValueError(f"a share holds exactly {SECRET_LENGTH} bytes")
    data_chars = _encode(share.data)
    groups = "-".join(data_chars[i : i + _GROUP] for i in range(0, len(data_chars), _GROUP))
    head = f"{PREFIX}-{share.threshold}of{share.shares}-{share.index}-"
    return (
        f"{head}{share.fingerprint}-{share.split}-{groups}-{_check(_canonical(share, data_chars))}"
    )


def split_secret(secret: bytes, *, threshold: int, shares: int, fingerprint: str) -> list[str]:
    """``secret`` (the 32-byte recovery private key) as ``shares`` share texts, any
    ``threshold`` of which give it back.

    ``fingerprint`` names the recovery *public* key (4-64 letters and digits) so
    that shares of different keys are told apart. Each call makes a new random
    split with its own split id; shares of different splits do not combine.
    """
    if len(secret) != SECRET_LENGTH:
        raise ValueError(f"the recovery key is {SECRET_LENGTH} bytes, not {len(secret)}")
    fingerprint = _normal_fingerprint(fingerprint)
    if threshold < MIN_THRESHOLD:
        raise InvalidInput("recovery.threshold_too_small", threshold=threshold)
    if shares > MAX_SHARES:
        raise InvalidInput("recovery.too_many_shares", shares=shares, limit=MAX_SHARES)
    if threshold > shares:
        raise InvalidInput("recovery.threshold_above_shares", threshold=threshold, shares=shares)
    split = "".join(secrets.choice(_ALPHABET) for _ in range(_SPLIT_CHARS))
    parts = [bytes(part) for part in pyshamir.split(secret, shares, threshold)]
    made = [
        Share(
            threshold=threshold,
            shares=shares,
            index=part[-1],
            fingerprint=fingerprint,
            split=split,
            data=part[:-1],
        )
        for part in parts
    ]
    # a cheap guard against a faulty library: the first k shares must give the key back
    if _combine(made[:threshold]) != secret or len({s.index for s in made}) != shares:
        raise RuntimeError("splitting the recovery key failed its own check")
    return [format_share(share) for share in made]


def parse_share(text: str, *, position: int = 1) -> Share:
    """The share written in ``text``; ``position`` (1 = first) names it in errors.

    Raises ``InvalidInput("recovery.malformed_share")`` when the text is not a
    share or its check code does not match (a typing error).
    """
    compact = "".join(text.split()).lower().translate(_DASHES)
    fields = [part for part in compact.split("-") if part]
    if len(fields) < 6 or fields[0] != PREFIX:
        raise _malformed(position, "format")
    kofn = _KOFN.fullmatch(fields[1])
    if kofn is None or not _NUMBER.fullmatch(fields[2]):
        raise _malformed(position, "format")
    threshold, shares, index = int(kofn[1]), int(kofn[2]), int(fields[2])
    if not (MIN_THRESHOLD <= threshold <= shares <= MAX_SHARES and 1 <= index <= MAX_SHARES):
        raise _malformed(position, "format")
    fingerprint = fields[3]
    split = fields[4].translate(_CONFUSABLE)
    tail = "".join(fields[5:]).translate(_CONFUSABLE)
    if (
        not _FINGERPRINT.fullmatch(fingerprint)
        or len(split) != _SPLIT_CHARS
        or len(tail) != _DATA_CHARS + _CHECK_CHARS
        or any(char not in _ALPHABET for char in split + tail)
    ):
        raise _malformed(position, "format")
    data_chars, check = tail[:_DATA_CHARS], tail[_DATA_CHARS:]
    data = _decode(data_chars)
    if data is None:
        raise _malformed(position, "checksum")
    share = Share(
        threshold=threshold,
        shares=shares,
        index=index,
        fingerprint=fingerprint,
        split=split,
        data=data,
    )
    if _check(_canonical(share, data_chars)) != check:
        raise _malformed(position, "checksum")
    return share


def _combine(shares: Sequence[Share]) -> bytes:
    parts = [bytearray(share.data + bytes([share.index])) for share in shares]
    return bytes(pyshamir.combine(parts))


def combine_shares(texts: Sequence[str], *, fingerprint: str | None = None) -> bytes:
    """The recovery private key from share texts (at least the threshold).

    Refuses, before combining and naming shares by position: a malformed or
    mistyped share; shares of another recovery key than ``fingerprint`` (when
    given) or of different keys; shares with different thresholds or from
    different splits; the same share twice; fewer shares than the threshold.
    The caller must still compare the result with the recovery public key and
    raise :class:`WrongShare` when it does not match.
    """
    if isinstance(texts, str):
        raise TypeError("combine_shares takes a list of share texts, not one text")
    if not texts:
        raise InvalidInput("recovery.no_shares")
    parsed = [parse_share(text, position=number) for number, text in enumerate(texts, 1)]
    first = parsed[0]
    if fingerprint is not None:
        expected = fingerprint.strip().lower()
        for number, share in enumerate(parsed, 1):
            if share.fingerprint != expected:
                raise InvalidInput(
                    "recovery.other_key",
                    position=number,
                    found=share.fingerprint,
                    expected=expected,
                )
    for number, share in enumerate(parsed[1:], 2):
        if share.fingerprint != first.fingerprint:
            raise InvalidInput(
                "recovery.mixed_keys",
                first=1,
                other=number,
                first_key=first.fingerprint,
                other_key=share.fingerprint,
            )
    for number, share in enumerate(parsed[1:], 2):
        if share.threshold != first.threshold:
            raise InvalidInput(
                "recovery.mixed_thresholds",
                first=1,
                other=number,
                first_threshold=first.threshold,
                other_threshold=share.threshold,
            )
    for number, share in enumerate(parsed[1:], 2):
        if share.split != first.split or share.shares != first.shares:
            raise InvalidInput(
                "recovery.mixed_splits",
                first=1,
                other=number,
                first_split=first.split,
                other_split=share.split,
            )
    seen: dict[int, int] = {}
    for number, share in enumerate(parsed, 1):
        if share.index in seen:
            raise InvalidInput(
                "recovery.duplicate_share", first=seen[share.index], other=number, index=share.index
            )
        seen[share.index] = number
    if len(parsed) < first.threshold:
        raise InvalidInput(
            "recovery.too_few_shares",
            threshold=first.threshold,
            shares=first.shares,
            given=len(parsed),
            missing=first.threshold - len(parsed),
        )
    return _combine(parsed)
