"""Signals and advice outside any case, in chat (service/signals.py does the checks).

- The counsellor: ``!signal VP-… VP-… text`` (the cases it draws on, then the text),
  ``!advice text`` (on no case), ``!answer A-7KQ3 text`` (management's question);
  ``org=`` chooses the organisation of a counsellor of several, ``to=`` destinations.
  Everything is checked at once; then a short form shows the exact text as management
  will read it and asks to send it, after asking, case by case, whether each reporter
  agreed when the signal draws on fewer cases than the organisation's minimum cell size.
  A "no" stops it: nothing is sent. Sending checks everything again.
- Management: ``!advice question``; the answer comes back to its channel or room.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from intermediary.chat.base import FrontEndBase
from intermediary.chat.forms import Form, Question, labelled
from intermediary.chat.parse import Line
from intermediary.core import Role, parse_case_id
from intermediary.core.outside import OutsideStep
from intermediary.errors import InvalidInput
from intermediary.service.codec import Sender
from intermediary.service.signals import Prepared, Signals
from intermediary.text import Locale, render
from intermediary.text.phrase import counted

__all__ = ["OUTSIDE_COMMANDS", "OutsideForm", "SignalCommands"]

#: the chat commands of the steps outside any case (their own names)
OUTSIDE_COMMANDS = frozenset({"signal", "advice", "answer"})
#: the form's kind (and ``reporter.form_name_…``) of each step
_FORM = {
    OutsideStep.SIGNAL: "signal",
    OutsideStep.ADVICE: "advice",
    OutsideStep.ANSWER_ADVICE: "answer",
}
#: a word typed as a case code, perhaps mistyped ("VP-7KQ3-M2X", "vp-")
_CODE_LIKE = re.compile(r"(?i)vp-\S*")
_AGREED = "agreed:"


@dataclass(frozen=True)
class OutsideForm(Form):
    """The confirmation of a signal, an advice or an answer: what is to go, then one
    question per case whose reporter must agree, then "send it?". A "no" ends it."""

    prepared: Prepared | None = None

    def answer(self, text: str, skip_word: str = "!skip") -> Form:
        form = super().answer(text, skip_word)
        refused = [f for f, v in form.answers.items() if f.startswith(_AGREED) and v == "no"]
        return replace(form, questions=()) if refused else form


def leading_codes(words: tuple[str, ...]) -> tuple[list[str], int]:
    """The case codes a ``!signal`` line starts with (one word may hold several, joined
    by commas), and how many words they take."""
    codes: list[str] = []
    taken = 0
    for word in words:
        parts = [p for p in word.split(",") if p]
        if not parts or not all(parse_case_id(p) or _CODE_LIKE.fullmatch(p) for p in parts):
            break
        codes += parts
        taken += 1
    return codes, taken


class SignalCommands(FrontEndBase):
    """Mixin: ``!signal``, ``!advice`` and ``!answer``."""

    async def _outside(self, sender: Sender, line: Line, role: Role, locale: Locale) -> list[str]:
        signals = Signals(self.service)
        command = line.command
        if role is Role.MANAGEMENT:
            if command != "advice":
                raise InvalidInput("errors.unknown_command", command=f"{self.prefix}{command}")
            ref = await signals.ask(sender, line.rest(0))
            return [render("signals.asked", locale, ref=ref)]
        org = line.options.get("org") or None
        to = tuple(v for v in line.options.get("to", "").split(",") if v)
        if command == "signal":
            codes, skip = leading_codes(line.words)
            text = line.rest(skip)
            prepared = await signals.prepare_signal(sender, codes, text, org=org, to=to)
        elif command == "advice":
            prepared = await signals.prepare_advice(sender, line.rest(0), org=org, to=to)
        else:
            if not line.words:
                raise InvalidInput("signals.no_reference")
            prepared = await signals.prepare_answer(sender, line.words[0], line.rest(1))
        shown = []
        if prepared.removed:
            removed = counted("signals.count.invisible", prepared.removed).text(locale)
            shown.append(render("signals.invisible_removed", locale, count=removed))
        key = (sender.platform, sender.address)
        return [*shown, *self._ask(key, self._confirmation(prepared, locale), locale)]

    def _confirmation(self, prepared: Prepared, locale: Locale) -> OutsideForm:
        yes_no, labels = labelled(
            ("yes", "no"), lambda v, lang: render(f"common.{v}", lang), locale
        )
        agreed = tuple(
            Question(
                f"{_AGREED}{case}",
                "signals.ask_agreed",
                yes_no,
                labels=labels,
                params=(
                    ("case", case),
                    ("count", counted("signals.count.cases", len(prepared.cases)).text(locale)),
                    ("minimum", str(prepared.minimum)),
                ),
            )
            for case in (prepared.cases if prepared.needs_agreement else ())
        )
        send = Question(
            "send",
            f"signals.ask_send_{_FORM[prepared.kind]}",
            yes_no,
            labels=labels,
            params=(*self._where(prepared), ("text", prepared.text), ("ref", prepared.ref or "")),
        )
        return OutsideForm(_FORM[prepared.kind], (*agreed, send), prepared=prepared)

    def _where(self, prepared: Prepared) -> tuple[tuple[str, str], ...]:
        org = self.service.config.organisation(prepared.org_id)
        assert org is not None
        names = {d.id: d.name for d in org.management}
        shown = ", ".join(names.get(d, d) for d in prepared.destinations)
        return (("organisation", org.name), ("destinations", shown))

    async def _finish_outside(self, sender: Sender, form: Form, locale: Locale) -> list[str]:
        """The form answered: send it, or say why nothing was sent."""
        assert isinstance(form, OutsideForm)
        assert form.prepared is not None
        prepared = form.prepared
        refused = [f for f, v in form.answers.items() if f.startswith(_AGREED) and v == "no"]
        if refused:
            case = refused[0].removeprefix(_AGREED)
            return [render("signals.not_agreed", locale, case=case, minimum=prepared.minimum)]
        if form.answers.get("send") != "yes":
            return [render("signals.not_confirmed", locale)]
        agreed = [f.removeprefix(_AGREED) for f, v in form.answers.items() if f.startswith(_AGREED)]
        signals = Signals(self.service)
        ref = await signals.send(sender, prepared, digest=prepared.digest, agreed=agreed)
        return [
            render(
                f"signals.sent_{_FORM[prepared.kind]}",
                locale,
                ref=ref,
                **dict(self._where(prepared)),
            )
        ]
