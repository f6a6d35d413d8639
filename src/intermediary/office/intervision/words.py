"""What every rule of the scrubber shares about words and sentences.

Folding (:func:`fold`) compares words without case or accents, one character for one,
so that a span found in the folded text is the same span in the original. The small
word lists here (particles, function words, titles, greetings) are what a rule must
never take for a name on its own, and :func:`starts_sentence` says whether a capital
letter means a name or only the start of a sentence. Kept in one place so that every
rule draws the same line.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

__all__ = [
    "ABBREVIATIONS",
    "FUNCTION_WORDS",
    "GREETINGS",
    "PARTICLES",
    "SUBJECT",
    "TITLES",
    "WORD",
    "english",
    "fold",
    "starts_sentence",
    "wordset",
]


def wordset(words: str) -> frozenset[str]:
    """The words of ``words``, split on white space."""
    return frozenset(words.split())


#: letters with no accent to take off that people type as a plain letter ("yilmaz" for
#: "Yılmaz", "orsted" for "Ørsted"): one for one, so that spans carry over (found by review)
_PLAIN = str.maketrans("ıøđðłæœßþħŧŀ", "iodd" + "laosthtl")


@cache
def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0]
    low = base.lower()
    return (low if len(low) == 1 else base).translate(_PLAIN)


def fold(text: str) -> str:
    """``text`` without case or accents, one character for one (so spans carry over)."""
    return "".join(_fold_char(char) for char in text)


PARTICLES = wordset("van de der den het ter ten von la le du da di del dos 't ’t")
#: function words: never a term alone, even when part of a given name ("the director")
FUNCTION_WORDS = PARTICLES | wordset(
    "the a an of and or for to in on at by with from my our your his her their its "
    "this that these those who which is was are were be me him us them it he she we they "
    "een en of voor in op aan bij met naar om uit over tot mijn onze ons jouw uw zijn haar "
    "hun die dat deze dit wie wat is was ik je jij u hij zij ze wij we mij hem"
)
#: words that open a message and are never part of the name after them ("Dag Ingrid")
GREETINGS = wordset(
    "dag hoi hallo hey hi hello dear beste lieve geachte goedemorgen goedemiddag goedenavond "
    "goedendag goeiedag goeiemorgen "
    "morning thanks thank bedankt dank groet groeten groetjes regards best cheers"
)
ABBREVIATIONS = wordset(
    "mr mrs ms dr drs ir ing prof mw mevr dhr st jr sr bijv eg ie nr vs ca oa ws zgn"
)
TITLES = ABBREVIATIONS | wordset("meneer mevrouw mijnheer heer sir madam miss mister")
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
#: a subject right after a word makes that word a verb ("Wilt u", "Will she")
SUBJECT = re.compile(r"[ \t]+(?:u|je|jij|ik|we|wij|ze|zij|hij|het|you|i|they|he|she|it)\b", re.I)

_SENTENCE_END = ".!?…"
_OPENERS = "([{\"'“‘„«*_•·–—->›"


def starts_sentence(text: str, start: int) -> bool:
    """Whether ``start`` begins a sentence. A single line break does only after a full
    stop, a colon, or a line that ends without one but is a salutation or a list item;
    a line break in mid-sentence ("Joost⏎Hendriks") does not."""
    i, newlines = start - 1, 0
    while i >= 0 and (text[i].isspace() or text[i] in _OPENERS):
        newlines += text[i] == "\n"
        i -= 1
    if i < 0 or newlines > 1:
        return True
    if text[i] in _SENTENCE_END + ":":
        if text[i] == ":":
            return True
        j = i
        while j > 0 and text[j - 1].isalpha():
            j -= 1
        before = fold(text[j:i])
        # "J. Jansen", "Dr. Jansen", "e.g. Jansen": not the start of a sentence
        return len(before) != 1 and before not in ABBREVIATIONS
    if newlines:
        line = text[text.rfind("\n", 0, i) + 1 : i + 1].strip()
        words = WORD.findall(line)
        # after "Hoi" or "Hello there" alone on a line, a new sentence starts
        return len(words) <= 2 and bool(words) and fold(words[0]) in GREETINGS
    return False


_ENGLISH = wordset("the and you he she it my to of with that this have for was were i am")
_DUTCH = wordset("de het een en ik je hij zij ze dat die niet met op voor mijn maar zijn")


def english(text: str) -> bool:
    """Whether ``text`` reads as English rather than Dutch (by its commonest words)."""
    words = [w.casefold() for w in WORD.findall(text)]
    return sum(w in _ENGLISH for w in words) > sum(w in _DUTCH for w in words)
