"""The intervision scrubber's test corpus: realistic case files with planted identifiers.

Each file in ``corpus/`` is one case (TOML): its ``language`` ("nl" or "en"), the
reporter's known ``identity`` terms (what the service was told: display name, handle,
e-mail), ``flagged`` words the counsellor flagged with ``!flag`` beyond those marked in
the text, and its ``entry`` list (author, kind, optional ``language``, text). In the
texts, planted identifiers are marked:

- ``{{kind:text}}``: a planted identifier of that kind (:data:`KINDS`);
- ``{{kind!:text}}``: the same, and the counsellor flagged these words (``!flag``);
- ``{{quote:…}}``: quoted speech, which the scrubber removes by design; neither an
  identifier nor an ordinary word, so left out of both measures;
- ``{{ok:word}}``: an ordinary word a scrubber is tempted to remove ("the" before a
  title, "May" the verb, "Teams" the program); counted with the ordinary words, and
  reported on its own too.

Every other word is an ordinary word: removing it is over-removal.

:func:`measure` runs a scrubber over every case and compares its output with the
marked input word by word (a diff of the word sequences), so it measures what the
scrubber writes, not what it says it removed.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

FOLDER = Path(__file__).parent / "corpus"

#: the kinds of planted identifier (the issue's list, and a few more)
KINDS = frozenset(
    {
        "name",  # a full name
        "first_name",
        "surname",
        "particle_name",  # with a tussenvoegsel: "Jan van der Berg", "April de Jong"
        "initials",  # "J.P. de Wit", "J.B.", a sign-off "SL"
        "nickname",
        "lower_name",  # a name written in lower case
        "start_name",  # a name that starts a message or sentence
        "split_name",  # a name split across a line break
        "title_name",  # the name after a title: "dhr. Smit", "Dr. Brennan"
        "job_title",  # a rare job title
        "department",
        "organisation",
        "street",
        "address",
        "postcode",
        "city",
        "plate",  # a licence plate or aircraft registration
        "iban",
        "bsn",
        "number",  # staff, badge, invoice, room numbers
        "date",
        "month_year",  # "since March 2026": generalised to a quarter
        "range",  # "2-5", "9 t/m 11 april"
        "time",  # "10:15", "half negen", "quarter to nine"
        "extension",  # "ext. 2214", "toestel 2214"
        "email",
        "phone",
        "handle",  # Slack, Matrix, Teams handles and channels
        "link",
        "age",
    }
)
_MARK = re.compile(r"\{\{(\w+)(!?):(.*?)\}\}", re.S)
_WORD = re.compile(r"\w+")
_MONTHS = frozenset(
    (
        *("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"),
        *("september", "oktober", "november", "december", "january", "february", "march"),
        *("may", "june", "july", "august", "october", "dec", "jan", "feb", "mar", "apr"),
        *("jun", "jul", "aug", "sep", "sept", "oct", "okt", "nov", "mrt"),
    )
)
#: the leak hunt's planted identity (tests/conftest.py): never in the corpus
_LEAK_HUNT = ("saskia", "sjansen", "plantedname", "realname")


@dataclass(frozen=True)
class Planted:
    """One planted identifier: where it is, what it is, and whether it was flagged."""

    case: str
    entry: int
    start: int
    end: int
    text: str
    kind: str
    language: str
    flagged: bool


@dataclass(frozen=True)
class Case:
    """One case file of the corpus, its texts without the marks."""

    name: str
    language: str
    identity: tuple[str, ...]
    flagged_words: tuple[str, ...]
    authors: tuple[str, ...]
    kinds: tuple[str, ...]
    languages: tuple[str, ...]
    texts: tuple[str, ...]
    planted: tuple[Planted, ...]
    #: per entry: the spans of quoted speech, and of the marked ordinary words
    quotes: tuple[tuple[tuple[int, int], ...], ...]
    tricky: tuple[tuple[tuple[int, int], ...], ...]

    def hints(self) -> tuple[str, ...]:
        """The case's own flagged words: the reporter's known identity terms and what
        the counsellor flagged."""
        return tuple(dict.fromkeys((*self.identity, *self.flagged_words)))


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _unmark(
    raw: str, case: str, entry: int, language: str
) -> tuple[str, list[Planted], list[tuple[int, int]], list[tuple[int, int]], list[str]]:
    out: list[str] = []
    planted: list[Planted] = []
    quotes: list[tuple[int, int]] = []
    tricky: list[tuple[int, int]] = []
    flagged: list[str] = []
    last = length = 0
    for match in _MARK.finditer(raw):
        before = raw[last : match.start()]
        out.append(before)
        length += len(before)
        kind, flag, text = match.groups()
        start, length = length, length + len(text)
        out.append(text)
        last = match.end()
        if kind == "quote":
            quotes.append((start, length))
        elif kind == "ok":
            tricky.append((start, length))
        elif kind in KINDS:
            planted.append(Planted(case, entry, start, length, text, kind, language, bool(flag)))
            if flag:
                flagged.append(" ".join(re.sub(r"-\n", "", text).split()))
        else:
            raise ValueError(f"{case}, entry {entry}: unknown kind {kind!r}")
    out.append(raw[last:])
    text = "".join(out)
    if "{{" in text or "}}" in text:
        raise ValueError(f"{case}, entry {entry}: an unclosed mark")
    return text, planted, quotes, tricky, flagged


def load_case(path: Path) -> Case:
    data = tomllib.loads(path.read_text("utf-8"))
    name = path.stem
    language = data["language"]
    texts, authors, kinds, languages = [], [], [], []
    planted: list[Planted] = []
    quotes, tricky = [], []
    flagged: list[str] = list(data.get("flagged", []))
    for number, entry in enumerate(data["entry"]):
        entry_language = entry.get("language", language)
        text, found, quoted, ordinary, marked = _unmark(entry["text"], name, number, entry_language)
        texts.append(text)
        authors.append(entry["author"])
        kinds.append(entry["kind"])
        languages.append(entry_language)
        planted += found
        quotes.append(tuple(quoted))
        tricky.append(tuple(ordinary))
        flagged += marked
    identity = tuple(data.get("identity", ()))
    hinted = {_fold(word) for word in (*identity, *flagged)}
    # an identifier counts as flagged when marked, or when it is a flagged word in any case
    planted = [p if p.flagged or _fold(p.text) not in hinted else _flag(p) for p in planted]
    for text in texts:
        if any(word in text.casefold() for word in _LEAK_HUNT):
            raise ValueError(f"{name}: uses the leak hunt's planted identity")
    return Case(
        name=name,
        language=language,
        identity=identity,
        flagged_words=tuple(dict.fromkeys(flagged)),
        authors=tuple(authors),
        kinds=tuple(kinds),
        languages=tuple(languages),
        texts=tuple(texts),
        planted=tuple(planted),
        quotes=tuple(quotes),
        tricky=tuple(tricky),
    )


def _flag(planted: Planted) -> Planted:
    return Planted(
        planted.case,
        planted.entry,
        planted.start,
        planted.end,
        planted.text,
        planted.kind,
        planted.language,
        True,
    )


def load() -> list[Case]:
    return [load_case(path) for path in sorted(FOLDER.glob("*.toml"))]


# --- measuring ---------------------------------------------------------------------------

#: a scrubber: the case and whether it may use the case's hints; gives each entry's output
Scrubber = Callable[[Case, bool], Sequence[str]]


def _kept(source: str, output: str, placeholders: frozenset[str]) -> list[bool]:
    """For each word of ``source``, whether ``output`` still has it where it was."""
    words = [m.group() for m in _WORD.finditer(source)]
    out = [w for w in _WORD.findall(_strip(output, placeholders))]
    kept = [False] * len(words)
    matcher = difflib.SequenceMatcher(None, words, out, autojunk=False)
    for block in matcher.get_matching_blocks():
        for i in range(block.a, block.a + block.size):
            kept[i] = True
    return kept


def _strip(output: str, placeholders: frozenset[str]) -> str:
    for placeholder in sorted(placeholders, key=len, reverse=True):
        output = output.replace(placeholder, " \x00 ")
    return output


@dataclass
class Figures:
    """What :func:`measure` found."""

    planted: int = 0
    caught: int = 0
    ordinary: int = 0
    over_removed: int = 0
    tricky: int = 0
    tricky_removed: int = 0
    flagged: int = 0
    flagged_caught: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    caught_by_kind: Counter[str] = field(default_factory=Counter)
    by_language: Counter[str] = field(default_factory=Counter)
    caught_by_language: Counter[str] = field(default_factory=Counter)
    missed: list[Planted] = field(default_factory=list)
    removed_words: Counter[str] = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.caught / self.planted if self.planted else 1.0

    @property
    def over_removal(self) -> float:
        return self.over_removed / self.ordinary if self.ordinary else 0.0


def _inside(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def measure(
    cases: Sequence[Case], scrubber: Scrubber, *, hints: bool, placeholders: frozenset[str]
) -> Figures:
    """Run ``scrubber`` over ``cases`` and count what it caught and what it removed."""
    figures = Figures()
    for case in cases:
        outputs = scrubber(case, hints)
        assert len(outputs) == len(case.texts), case.name
        for number, (source, output) in enumerate(zip(case.texts, outputs, strict=True)):
            kept = _kept(source, output, placeholders)
            words = list(_WORD.finditer(source))
            planted = [p for p in case.planted if p.entry == number]
            covered = [(p.start, p.end) for p in planted]
            for item in planted:
                inside = [
                    n
                    for n, w in enumerate(words)
                    if item.start <= w.start() and w.end() <= item.end
                ]
                if item.kind == "month_year":  # only the month must go: the year may stay
                    inside = [n for n in inside if words[n].group().casefold() in _MONTHS]
                caught = bool(inside) and not any(kept[n] for n in inside)
                figures.planted += 1
                figures.by_kind[item.kind] += 1
                figures.by_language[item.language] += 1
                if item.flagged:
                    figures.flagged += 1
                if caught:
                    figures.caught += 1
                    figures.caught_by_kind[item.kind] += 1
                    figures.caught_by_language[item.language] += 1
                    figures.flagged_caught += item.flagged
                else:
                    figures.missed.append(item)
            for n, word in enumerate(words):
                span = (word.start(), word.end())
                if _inside(*span, covered) or _inside(*span, case.quotes[number]):
                    continue
                figures.ordinary += 1
                tricky = _inside(*span, case.tricky[number])
                figures.tricky += tricky
                if not kept[n]:
                    figures.over_removed += 1
                    figures.tricky_removed += tricky
                    figures.removed_words[word.group()] += 1
    return figures
