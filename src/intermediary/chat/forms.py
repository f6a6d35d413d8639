"""Short question-and-answer forms for commands with several fields.

``!new`` and ``!feedback`` ask for what is missing, one question at a time,
with numbered choices. A form is a pure value; the front end keeps one per
sender in memory (losing it on restart loses nothing stored).

A choice is answered by its number or by its words (the label shown, or any word a
question lists for a value, in either language); :class:`StrayText` says that a
longer text answered none of them, so that the front end can keep it rather than
drop it (issue 18: a story typed at a question was answered with the whole list).

At a free-text question, a lone number or a word of an earlier question's list ("1",
"melden") is asked back rather than taken (:class:`Doubtful`): typed by habit, it is
almost never the message. Typed again, it is taken as it is, so nothing is dropped.

A question's choice labels are kept in every language (:attr:`Question.labels`), so a
form asked in one language can be asked again in another (``!language`` mid-form).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from intermediary.chat.choices import normal
from intermediary.errors import InvalidInput
from intermediary.text import LOCALES, Locale

__all__ = ["STORY_WORDS", "Doubtful", "Form", "Question", "StrayText", "labelled"]

#: a text of at least this many words, answering no choice, is taken as something told
STORY_WORDS = 4


class StrayText(InvalidInput):
    """A text that answers no choice but says something: the front end keeps it."""

    def __init__(self, text: str) -> None:
        super().__init__("errors.answer_expected")
        self.text = text


class Doubtful(InvalidInput):
    """A lone number or list word typed where free text is asked: asked back, not taken."""

    def __init__(self, text: str) -> None:
        super().__init__("errors.lone_choice", text=text)
        self.text = text


#: at most this many digits make a "lone number" (a choice typed by habit, not a message)
_LONE_DIGITS = 2


def labelled(
    values: Sequence[str], label: Callable[[str, Locale], str], locale: Locale
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    """``values`` as choices labelled in ``locale``, and their labels in every language
    (a :class:`Question`'s ``choices`` and ``labels``)."""
    choices = tuple((v, label(v, locale)) for v in values)
    labels = tuple((other, tuple(label(v, other) for v in values)) for other in LOCALES)
    return choices, labels


@dataclass(frozen=True)
class Question:
    field: str
    prompt_key: str
    #: (value, label) pairs; ``None`` asks for free text
    choices: tuple[tuple[str, str], ...] | None = None
    optional: bool = False
    #: more words accepted for a value (its words in every language), beside its label
    words: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: the choices' labels in each language, in the order of ``choices``
    labels: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: values for the prompt's placeholders (the case a question is about, a text shown)
    params: tuple[tuple[str, str], ...] = ()

    def in_locale(self, locale: str) -> Question:
        """This question with its choices labelled in ``locale`` (as it is, when it has
        no labels in that language)."""
        found = dict(self.labels).get(locale)
        if self.choices is None or found is None:
            return self
        return replace(
            self,
            choices=tuple((v, label) for (v, _), label in zip(self.choices, found, strict=True)),
        )

    def all_words(self) -> set[str]:
        """Every word (normalised) that answers this question's choices."""
        extra = dict(self.words)
        every = [label for _, labels in self.labels for label in labels]
        return {
            normal(w)
            for value, label in self.choices or ()
            for w in (value, label, *extra.get(value, ()))
        } | {normal(w) for w in every}

    def value_of(self, typed: str) -> str | None:
        """The value whose number, label or word ``typed`` is, if any."""
        assert self.choices is not None
        if typed.isascii() and typed.isdigit():  # not "²" or "١"
            number = int(typed)
            return self.choices[number - 1][0] if 1 <= number <= len(self.choices) else None
        wanted = normal(typed)
        if not wanted:
            return None
        extra = dict(self.words)
        for n, (value, label) in enumerate(self.choices):
            others = (labels[n] for _, labels in self.labels)  # its label in every language
            if wanted in {normal(w) for w in (value, label, *extra.get(value, ()), *others)}:
                return value
        return None


@dataclass(frozen=True)
class Form:
    kind: str
    questions: tuple[Question, ...]
    answers: dict[str, str] = field(default_factory=dict)
    case_id: str | None = None
    #: how many questions were answered already (for "question 2 of 3")
    asked: int = 0
    #: the questions answered already (their list words are no free-text answer)
    past: tuple[Question, ...] = ()
    #: a lone answer asked back once: typed again, it is taken as it is
    doubted: str | None = None

    def in_locale(self, locale: str) -> Form:
        """The form with its choices labelled in ``locale``."""
        return replace(self, questions=tuple(q.in_locale(locale) for q in self.questions))

    def doubting(self, text: str) -> Form:
        """The form after asking back the lone answer ``text``."""
        return replace(self, doubted=text)

    @property
    def current(self) -> Question | None:
        return self.questions[0] if self.questions else None

    @property
    def position(self) -> tuple[int, int]:
        """The current question's number and the number of questions, from 1."""
        return self.asked + 1, self.asked + len(self.questions)

    def answer(self, text: str, skip_word: str = "!skip") -> Form:
        """The form with ``text`` as the answer to the current question."""
        question = self.current
        assert question is not None
        value = text.strip()
        if question.choices is not None:
            chosen = question.value_of(value)
            if chosen is None and len(value.split()) >= STORY_WORDS:
                raise StrayText(value)
            if chosen is None:
                raise InvalidInput("errors.answer_expected")
            value = chosen
        elif value == skip_word and question.optional:
            value = ""
        elif not value or value == skip_word:
            raise InvalidInput("errors.empty_text")
        elif self._lone(value) and value != self.doubted:
            raise Doubtful(value)
        return replace(
            self,
            questions=self.questions[1:],
            answers={**self.answers, question.field: value},
            asked=self.asked + 1,
            past=(*self.past, question),
            doubted=None,
        )

    def _lone(self, value: str) -> bool:
        """Whether a free-text answer is a lone number or a word of an earlier list."""
        if value.isascii() and value.isdigit():
            return len(value) <= _LONE_DIGITS
        words = {w for q in self.past if q.choices is not None for w in q.all_words()}
        return normal(value) in words
