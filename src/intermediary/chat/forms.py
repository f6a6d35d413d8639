"""Short question-and-answer forms for commands with several fields.

``!new`` and ``!feedback`` ask for what is missing, one question at a time,
with numbered choices. A form is a pure value; the front end keeps one per
sender in memory (losing it on restart loses nothing stored).

A choice is answered by its number or by its words (the label shown, or any word a
question lists for a value, in either language); :class:`StrayText` says that a
longer text answered none of them, so that the front end can keep it rather than
drop it (issue 18: a story typed at a question was answered with the whole list).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from intermediary.chat.choices import normal
from intermediary.errors import InvalidInput

__all__ = ["STORY_WORDS", "Form", "Question", "StrayText"]

#: a text of at least this many words, answering no choice, is taken as something told
STORY_WORDS = 4


class StrayText(InvalidInput):
    """A text that answers no choice but says something: the front end keeps it."""

    def __init__(self, text: str) -> None:
        super().__init__("errors.answer_expected")
        self.text = text


@dataclass(frozen=True)
class Question:
    field: str
    prompt_key: str
    #: (value, label) pairs; ``None`` asks for free text
    choices: tuple[tuple[str, str], ...] | None = None
    optional: bool = False
    #: more words accepted for a value (its words in every language), beside its label
    words: tuple[tuple[str, tuple[str, ...]], ...] = ()

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
        for value, label in self.choices:
            if wanted in {normal(w) for w in (value, label, *extra.get(value, ()))}:
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
        return replace(
            self,
            questions=self.questions[1:],
            answers={**self.answers, question.field: value},
            asked=self.asked + 1,
        )
