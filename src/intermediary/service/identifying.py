"""Recognise words that identify a reporter in a counsellor's draft, without
storing those words.

At intake the service keeps keyed hashes (:func:`crypto.term_index`) of the
reporter's name parts, handle and e-mail; later it adds what the reporter wrote
about themselves (:mod:`intermediary.core.introductions`) and what the counsellor
flagged. A draft's words are hashed the same way and compared, when it is drafted and
again when the reporter approves it (what made a word known may have come later). Both
sides use the skeleton of :mod:`intermediary.core.identity_text` (NFKD without marks,
letters that do not decompose and look-alikes of other scripts folded, case folded, both
spellings of an umlaut, words whole, split and run together), so "Saskia's",
"Sas\\u00adkia", "Ｓａｓｋｉａ", "Sáskia", "SASKİA", "ꜱᴀꜱᴋɪᴀ", a Cyrillic "Ѕаѕкіа",
"Sas-kia" and "S a s k i a" all meet "saskia". The hashes are deleted with the routing
address when the case closes.
"""

from __future__ import annotations

from collections.abc import Iterable

from intermediary import crypto
from intermediary.core.identity_text import (
    MAX_PHRASE,
    candidates,
    phrase_forms,
    telling,
    term_words,
)
from intermediary.core.identity_text import words as _all_words
from intermediary.service.codec import Identity

__all__ = [
    "MAX_PHRASE",
    "identity_terms",
    "matching_words",
    "phrase_terms",
    "tokens",
    "words",
]


def tokens(text: str) -> list[str]:
    """Every word of ``text``, in skeleton form and whole, without a leading @."""
    return _all_words(text)


def words(text: str) -> list[str]:
    """The words of ``text`` that can identify on their own."""
    return [w for w in tokens(text) if telling(w)]


def _phrases(identity: Identity) -> Iterable[str]:
    address = identity.address
    if address.startswith("@") and ":" in address:
        # a Matrix id: the server's name is everybody's, only the local part is theirs
        address = address.split(":", 1)[0]
    yield address
    yield identity.handle
    yield identity.email
    yield identity.email.split("@", 1)[0]
    yield identity.display_name


def phrase_terms(keys: crypto.ServiceKeys, phrases: Iterable[str]) -> frozenset[str]:
    """Keyed hashes of whole phrases ("night shift"), matched as a run of words; a
    phrase that is one e-mail address, handle or phone number is matched as such."""
    return frozenset(
        crypto.term_index(keys, form) for phrase in phrases for form in phrase_forms(phrase)
    )


def identity_terms(keys: crypto.ServiceKeys, identity: Identity) -> frozenset[str]:
    """Keyed hashes of every identifying word the service was told: each phrase whole,
    and each of its telling words whole and in parts (never an e-mail's domain)."""
    phrases = [p for p in _phrases(identity) if p]
    singles = {word for phrase in phrases for word in term_words(phrase)}
    return phrase_terms(keys, phrases) | {crypto.term_index(keys, w) for w in singles}


def matching_words(keys: crypto.ServiceKeys, text: str, terms: frozenset[str]) -> tuple[str, ...]:
    """The words of ``text`` that match an identifying term, once each: longer runs of
    words first, then single words, then e-mail addresses, handles and phone numbers
    (as they appear, so the counsellor can find them)."""
    if not terms:
        return ()
    hits = [c.shown for c in candidates(text) if crypto.term_index(keys, c.term) in terms]
    return tuple(dict.fromkeys(hits))
