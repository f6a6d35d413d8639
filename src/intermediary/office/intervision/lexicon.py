"""What the intervision scrubber knows about words: names, places and ordinary words.

Two libraries, both offline, both with their own lists:

- **deduce** (https://github.com/vmenger/deduce, LGPL-3.0), a de-identification method
  built for Dutch text with bundled lookup lists (first names, surnames, particles,
  initials, titles, places, hospitals, the 1000 commonest Dutch words) and its own
  patterns (names in context, addresses, postcodes, dates, ages, phone numbers, e-mail
  addresses, BSNs). Its street list (770,000 variants) and its list of 244,000
  healthcare institutions are left out: building them takes a minute and a half, and
  cached they are an 80 MB pickle that takes seven seconds to read on every start.
  Streets are still found by deduce's own street pattern (``…straat 12``, ``…weg``,
  ``…laan``) and by the scrubber's street rules (:mod:`.streets`). What is left builds
  in about a second, in a temporary folder that is deleted right after: nothing is
  written to the installation or read back from a cache.
- **zxcvbn** (already used to judge passphrases), whose frequency lists give the
  commonest English words (from Wikipedia and from film and television subtitles) and
  common English first names and surnames.

Everything is loaded once per process, on first use, under a lock:
:func:`lexicon` says how long that took.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["Annotation", "Lexicon", "lexicon"]

#: deduce's lookup lists that are left out (see the module's description)
_LEFT_OUT = frozenset({"locations/lst_street", "institutions/lst_healthcare_institution"})
#: an English word this common (its rank in zxcvbn's lists) is taken for an ordinary word
_COMMON_RANK = 5000

_LOCK = threading.Lock()
_LOADED: Lexicon | None = None


@dataclass(frozen=True)
class Annotation:
    """Something deduce found: where, and its tag (``persoon``, ``locatie``, ``datum``,
    ``leeftijd``, ``telefoonnummer``, ``emailadres``, ``url``, ``bsn``, ``id``…)."""

    start: int
    end: int
    tag: str


@dataclass(frozen=True)
class Lexicon:
    """The loaded lists and deduce, and what loading them cost."""

    model: Any
    #: first names and surnames (deduce's and zxcvbn's), case-folded
    first_names: frozenset[str]
    surnames: frozenset[str]
    #: ordinary words: deduce's Dutch common words, stop words and medical terms, and
    #: the commonest English words; case-folded
    dutch_common: frozenset[str]
    english_common: frozenset[str]
    #: how common an English word is: its rank in zxcvbn's lists (0 is "the")
    english_rank: dict[str, int]
    #: every English word zxcvbn knows (also some names: only for words in lower case)
    english_words: frozenset[str]
    #: deduce's titles and forms of address ("dhr", "mevrouw", "collega"), case-folded,
    #: without a full stop
    prefixes: frozenset[str]
    load_seconds: float

    def annotate(self, text: str) -> list[Annotation]:
        """What deduce finds in ``text``."""
        document = self.model.deidentify(text)
        return [
            Annotation(int(a.start_char), int(a.end_char), str(a.tag)) for a in document.annotations
        ]

    def is_name(self, word: str) -> bool:
        folded = word.casefold()
        if "'" in folded or "’" in folded:  # "O'Neill" is listed as "oneill"
            folded = folded.replace("'", "").replace("’", "")
        return folded in self.first_names or folded in self.surnames

    def is_common(self, word: str) -> bool:
        folded = word.casefold()
        return folded in self.dutch_common or folded in self.english_common


@contextlib.contextmanager
def _quiet_logging() -> Iterator[None]:
    """deduce calls ``logging.basicConfig(DEBUG, stdout)`` when imported and logs a
    "please wait" line while it builds: neither may change this process's logging."""
    root = logging.getLogger()
    guard = logging.NullHandler()
    added = not root.handlers
    if added:
        root.addHandler(guard)  # basicConfig does nothing while the root has a handler

    def drop(record: logging.LogRecord) -> bool:
        return not record.pathname.replace("\\", "/").endswith("deduce/lookup_structs.py")

    root.addFilter(drop)
    try:
        yield
    finally:
        root.removeFilter(drop)
        if added:
            root.removeHandler(guard)


def _words(path: Path) -> set[str]:
    found: set[str] = set()
    for item in path.rglob("items.txt"):
        found.update(line.strip() for line in item.read_text("utf-8").splitlines())
    found.discard("")
    return found


def _english_words() -> frozenset[str]:
    """Every word of zxcvbn's English lists (Wikipedia, subtitles), its English
    surnames, which are mostly words too ("ward", "hill", "baker"), and the ordinary
    words it keeps only on its list of common passwords ("blue", "junior"): each word
    is on one list only, the one where it ranks highest."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    lists = FREQUENCY_LISTS
    passwords = (w for w in lists["passwords"][: 2 * _COMMON_RANK] if w.isalpha())
    return frozenset(
        (*lists["english_wikipedia"], *lists["us_tv_and_film"], *lists["surnames"], *passwords)
    )


def _english() -> tuple[dict[str, int], frozenset[str], frozenset[str]]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    lists: dict[str, list[str]] = FREQUENCY_LISTS
    rank: dict[str, int] = {}
    for name in ("english_wikipedia", "us_tv_and_film"):
        for n, word in enumerate(lists[name][:_COMMON_RANK]):
            rank[word] = min(n, rank.get(word, n))
    first = frozenset(lists["male_names"]) | frozenset(lists["female_names"])
    return rank, first, frozenset(lists["surnames"])


def _load() -> Lexicon:
    started = time.perf_counter()
    with _quiet_logging():
        import deduce  # type: ignore[import-untyped]
        from deduce.data.lookup.src import all_lists  # type: ignore[import-untyped]

        source = resources.files("deduce").joinpath("data", "lookup", "src")
        with tempfile.TemporaryDirectory(prefix="intermediary-lexicon-") as folder:
            base = Path(folder)
            for name in all_lists:
                target = base / "src" / name
                if name in _LEFT_OUT:
                    target.mkdir(parents=True)
                    (target / "items.txt").write_text("", "utf-8")
                else:
                    with resources.as_file(source.joinpath(name)) as path:
                        shutil.copytree(path, target)
            model = deduce.Deduce(lookup_data_path=base, cache_path=base, build_lookup_structs=True)
            names = base / "src" / "names"
            first = _words(names / "lst_first_name")
            surnames = _words(names / "lst_surname") | _words(names / "lst_interfix_surname")
            prefixes = _words(names / "lst_prefix")
            whitelist = base / "src" / "whitelist"
            dutch = {
                w
                for part in ("lst_common_word", "lst_stop_word", "lst_medical_term")
                for w in _words(whitelist / part)
            }
    english, english_first, english_surnames = _english()
    fold = str.casefold
    surname_words = {fold(w) for s in surnames for w in re.findall(r"[^\W\d_]+", s)}
    return Lexicon(
        model=model,
        first_names=frozenset(map(fold, first)) | english_first,
        surnames=frozenset(surname_words) | english_surnames,
        dutch_common=frozenset(map(fold, dutch)),
        english_common=frozenset(english),
        english_rank=english,
        english_words=_english_words(),
        prefixes=frozenset(fold(p).rstrip(".") for p in prefixes if " " not in p),
        load_seconds=time.perf_counter() - started,
    )


def lexicon() -> Lexicon:
    """The lists and deduce, loaded on the first call (about a second) and kept."""
    global _LOADED
    with _LOCK:
        if _LOADED is None:
            _LOADED = _load()
        return _LOADED
