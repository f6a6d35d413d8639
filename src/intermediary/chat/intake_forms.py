"""A form never drops what was typed without saying so (issue 18).

- A story typed at a choice question of ``!new`` is kept (with the words written before
  the case, :attr:`FormKeeping._kept`) and becomes a first message; the question is asked
  once more in one short line, without the whole list again.
- A command that only shows something (``!help``, ``!info``, ``!status``, ``!cases``,
  ``!language``) is answered and the form stays: "you were answering question 2 of 3".
- A lone number or list word at a free-text question is asked back, and taken when it
  is typed again (:class:`~intermediary.chat.forms.Doubtful`).
- ``!language`` in the middle of a form asks the question again in the new language.
- Any other command stops the form, and the answer says so and what became of the text;
  unless it is refused (it changed nothing): then the form stays, and the answer says so.
"""

from __future__ import annotations

from dataclasses import replace

from intermediary.chat.base import FrontEndBase
from intermediary.chat.forms import Doubtful, Form, StrayText
from intermediary.chat.parse import Line
from intermediary.errors import InvalidInput
from intermediary.service.facade import Service
from intermediary.text import Locale, render

__all__ = ["KEEP_AT_MOST", "LOOKING", "FormKeeping"]

#: the most messages kept for one sender before a case is opened
KEEP_AT_MOST = 20

#: commands that only show something: answered in the middle of a form, which stays
LOOKING = frozenset({"help", "info", "status", "cases", "language"})

Key = tuple[str, str]


class FormKeeping(FrontEndBase):
    """Mixin: the words kept before a case, and forms that keep what was typed."""

    def __init__(self, service: Service, *, prefix: str = "!") -> None:
        super().__init__(service, prefix=prefix)
        #: what each sender wrote before having a case; memory only (chat/intake.py)
        self._kept: dict[Key, list[str]] = {}

    def _form_aside(self, key: Key, form: Form, line: Line, locale: Locale) -> list[str]:
        """What to add to the answer of a command given in the middle of ``form``."""
        if line.command in LOOKING:
            return [self._form_waiting(form, locale)]
        position, total = form.position
        name = render(f"reporter.form_name_{form.kind}", locale)
        del self._forms[key]
        stopped = render("reporter.form_stopped", locale, position=position, total=total, form=name)
        return [f"{stopped}{self._still_kept(key, locale)}"]

    def _form_waiting(self, form: Form, locale: Locale) -> str:
        """The reminder that the form stays ("you were answering question 2 of 3")."""
        position, total = form.position
        name = render(f"reporter.form_name_{form.kind}", locale)
        return render("reporter.form_kept", locale, position=position, total=total, form=name)

    def _form_cancelled(self, key: Key, locale: Locale) -> list[str]:
        del self._forms[key]
        return [f"{render('errors.cancelled', locale)}{self._still_kept(key, locale)}"]

    def _still_kept(self, key: Key, locale: Locale) -> str:
        kept = len(self._kept.get(key, ()))
        if kept == 1:
            return f"\n{render('reporter.still_kept_one', locale)}"
        return f"\n{render('reporter.still_kept', locale, count=kept)}" if kept else ""

    def _form_open(self, form: Form, locale: Locale) -> str:
        """The current question again, in one line (after a command that was not
        understood): "Question 2 of 4 is still open: What do you want? …"."""
        position, total = form.position
        question = form.current
        assert question is not None
        asked = render(question.prompt_key, locale, **dict(question.params))
        return render(
            "reporter.form_question_open", locale, position=position, total=total, question=asked
        )

    def _refused_answer(
        self, key: Key, form: Form, error: InvalidInput, locale: Locale
    ) -> list[str]:
        """Say what was wrong and ask again; a story at a ``!new`` question is kept; a
        lone answer at a free-text question is asked back (typed again, it is taken)."""
        if isinstance(error, Doubtful):
            return [error.message(locale), *self._ask(key, form.doubting(error.text), locale)]
        kept = self._kept.setdefault(key, [])
        if not isinstance(error, StrayText) or form.kind != "new" or len(kept) >= KEEP_AT_MOST:
            return [error.message(locale), *self._ask(key, form, locale)]
        kept.append(error.text)
        self._forms[key] = replace(
            form,
            questions=tuple(
                replace(q, prompt_key="reporter.ask_first_message_kept")
                if q.field == "first_message"
                else q
                for q in form.questions
            ),
        )
        position, total = form.position
        return [render("reporter.story_kept", locale, position=position, total=total)]
