"""Recognise words that identify a reporter in a counsellor's draft, without
storing those words.

At intake the service keeps keyed hashes (:func:`crypto.term_index`) of the
reporter's name parts, handle and e-mail; a draft's words are hashed the same
way and compared. The hashes are deleted with the routing address when the
case closes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from intermediary import crypto
from intermediary.codec import Identity

__all__ = ["identity_terms", "matching_words", "words"]

#: Dutch name particles and very short parts would warn on every draft.
_IGNORED = frozenset({"van", "der", "den", "de", "het", "ter", "ten", "von", "la", "le", "du"})
_WORD = re.compile(r"[\w][\w.@+'-]*[\w]|[\w]", re.UNICODE)


def words(text: str) -> list[str]:
    """The words of ``text`` as they are compared: lower case, without a leading @."""
    found = []
    for raw in _WORD.findall(text):
        word = raw.lower().lstrip("@")
        if len(word) >= 3 and word not in _IGNORED:
            found.append(word)
    return found


def _phrases(identity: Identity) -> Iterable[str]:
    yield identity.address
    yield identity.handle
    yield identity.email
    if "@" in identity.email:
        yield identity.email.split("@", 1)[0]
    yield identity.display_name


def identity_terms(keys: crypto.ServiceKeys, identity: Identity) -> frozenset[str]:
    """Keyed hashes of every identifying word the service was told."""
    terms: set[str] = set()
    for phrase in _phrases(identity):
        for word in words(phrase):
            terms.add(crypto.term_index(keys, word))
            for part in re.split(r"[.\-_+]", word):
                if len(part) >= 3 and part not in _IGNORED:
                    terms.add(crypto.term_index(keys, part))
    return frozenset(terms)


def matching_words(keys: crypto.ServiceKeys, text: str, terms: frozenset[str]) -> tuple[str, ...]:
    """The words of ``text`` that match an identifying term, in order, once each."""
    if not terms:
        return ()
    hits = [w for w in words(text) if crypto.term_index(keys, w) in terms]
    return tuple(dict.fromkeys(hits))
