"""Short question-and-answer forms for commands with several fields.

``!new`` and ``!feedback`` ask for what is missing, one question at a time,
with numbered choices. A form is a pure value; the front end keeps one per
sender in memory (losing it on restart loses nothing stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from intermediary.errors import InvalidInput

__all__ = ["Form", "Question"]


@dataclass(frozen=True)
class Question:
    field: str
    prompt_key: str
    #: (value, label) pairs; ``None`` asks for free text
    choices: tuple[tuple[str, str], ...] | None = None
    optional: bool = False


@dataclass(frozen=True)
class Form:
    kind: str
    questions: tuple[Question, ...]
    answers: dict[str, str] = field(default_factory=dict)
    case_id: str | None = None

    @property
    def current(self) -> Question | None:
        return self.questions[0] if self.questions else None

    def answer(self, text: str, skip_word: str = "!skip") -> Form:
        """The form with ``text`` as the answer to the current question."""
        question = self.current
        assert question is not None
        value = text.strip()
        if question.choices is not None:
            number = value.isascii() and value.isdigit()  # not "²" or "١"
            if not number or not 1 <= int(value) <= len(question.choices):
                raise InvalidInput("errors.answer_expected")
            value = question.choices[int(value) - 1][0]
        elif value == skip_word and question.optional:
            value = ""
        elif not value or value == skip_word:
            raise InvalidInput("errors.empty_text")
        return replace(
            self, questions=self.questions[1:], answers={**self.answers, question.field: value}
        )
