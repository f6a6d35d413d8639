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

__all__ = [
    "MAX_PHRASE",
    "identity_terms",
    "matching_words",
    "phrase_terms",
    "tokens",
    "words",
]

#: Dutch name particles and very short parts would warn on every draft.
_IGNORED = frozenset({"van", "der", "den", "de", "het", "ter", "ten", "von", "la", "le", "du"})
_WORD = re.compile(r"[\w][\w.@+'-]*[\w]|[\w]", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Every word of ``text``, lower case, without a leading @."""
    return [raw.lower().lstrip("@") for raw in _WORD.findall(text)]


def _telling(word: str) -> bool:
    """Whether one word alone is worth a warning (not "de", "van", or a digit)."""
    return len(word) >= 3 and word not in _IGNORED


def words(text: str) -> list[str]:
    """The words of ``text`` that can identify on their own."""
    return [w for w in tokens(text) if _telling(w)]


def _phrases(identity: Identity) -> Iterable[str]:
    yield identity.address
    yield identity.handle
    yield identity.email
    if "@" in identity.email:
        yield identity.email.split("@", 1)[0]
    yield identity.display_name


#: the longest phrase (in words) recognised in a draft
MAX_PHRASE = 4


def phrase_terms(keys: crypto.ServiceKeys, phrases: Iterable[str]) -> frozenset[str]:
    """Keyed hashes of whole phrases ("night shift"), matched as a run of words."""
    terms = set()
    for phrase in phrases:
        found = tokens(phrase)
        if len(found) == 1 and not _telling(found[0]):
            continue
        if found and len(found) <= MAX_PHRASE:
            terms.add(crypto.term_index(keys, " ".join(found)))
    return frozenset(terms)


def identity_terms(keys: crypto.ServiceKeys, identity: Identity) -> frozenset[str]:
    """Keyed hashes of every identifying word the service was told."""
    terms: set[str] = set(phrase_terms(keys, _phrases(identity)))
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
    found = tokens(text)
    hits = [
        " ".join(found[i : i + n])
        for n in range(MAX_PHRASE, 0, -1)
        for i in range(len(found) - n + 1)
        if (n > 1 or _telling(found[i]))
        and crypto.term_index(keys, " ".join(found[i : i + n])) in terms
    ]
    return tuple(dict.fromkeys(hits))
