"""Management's text commands."""

from __future__ import annotations

from dataclasses import replace

from intermediary.chat.base import FrontEndBase
from intermediary.chat.forms import Form, Question, labelled
from intermediary.chat.parse import Line
from intermediary.core import (
    Acknowledge,
    ActionKind,
    Ask,
    Case,
    Feedback,
    GiveFeedback,
    State,
)
from intermediary.core.building import day
from intermediary.core.ids import parse_case_id
from intermediary.core.states import AFTERCARE
from intermediary.errors import InvalidInput
from intermediary.service.codec import Sender
from intermediary.text import Locale, render

__all__ = ["FeedbackForm", "ManagementCommands"]


class FeedbackForm(Form):
    """The feedback form, which does not ask to describe an action after "no action"
    (the grounds question that follows asks why none)."""

    def answer(self, text: str, skip_word: str = "!skip") -> Form:
        form = super().answer(text, skip_word)
        following = form.current
        none = form.answers.get("action_kind") == ActionKind.NONE.value
        if none and following is not None and following.field == "action":
            return replace(form, questions=form.questions[1:])
        return form


class ManagementCommands(FrontEndBase):
    # --- management ---------------------------------------------------------------------

    async def _management(self, sender: Sender, line: Line, locale: Locale) -> list[str]:
        command = line.command
        service = self.service
        key = (sender.platform, sender.address)
        if command is None:  # not passed on to anyone: said so, not only the list
            return [f"{render('management.not_sent', locale)}\n{render('management.help', locale)}"]
        if command == "help":
            return [render("management.help", locale)]
        if command == "status" and line.words:  # one case: "!status VP-…"
            if parse_case_id(line.words[0]) is None:
                raise InvalidInput("errors.not_a_case_code", typed=line.words[0])
            return [self._management_line(await service.case_for(sender, line.words[0]), locale)]
        if command == "status" and (form := self._forms.get(key)) and form.case_id:
            # in the middle of the feedback form: the case it is about (the form stays)
            return [self._management_line(await service.case_for(sender, form.case_id), locale)]
        if command in ("cases", "status"):
            cases = await service.cases_of(sender)
            if not cases:
                return [render("management.no_cases", locale)]
            return ["\n".join(self._management_line(c, locale) for c in cases)]
        if command not in ("ack", "ask", "feedback"):
            raise InvalidInput("errors.unknown_command", command=f"{self.prefix}{command}")
        if not line.words or _not_a_code(line.words[0]):  # "!ask What happened?"
            example = f"{self.prefix}{command} VP-7KQ3-M2XD{' …' if command == 'ask' else ''}"
            raise self._missing(f"{self.prefix}{command}", "case", example)
        case_id = line.words[0]
        if parse_case_id(case_id) is None:  # "!ack vp-": given, but no case code
            raise InvalidInput("errors.not_a_case_code", typed=case_id)
        if command == "ack":
            await service.act(sender, case_id, Acknowledge())
            return []
        if command == "ask":
            await service.act(sender, case_id, Ask(text=line.rest(1)))
            return []
        case = await service.case_for(sender, case_id)  # refuse early, before the form
        yes_no, yes_no_labels = labelled(
            ("yes", "no"), lambda v, lang: render(f"common.{v}", lang), locale
        )
        kinds, kind_labels = labelled(
            [a.value for a in ActionKind], lambda v, lang: render(f"words.action.{v}", lang), locale
        )
        form = FeedbackForm(
            "feedback",
            (
                Question("assessment", "management.ask_assessment"),
                Question("action_kind", "management.ask_action_kind", kinds, labels=kind_labels),
                Question("action", "management.ask_action", optional=True),
                Question("grounds", "management.ask_grounds", optional=True),
                Question("more", "management.ask_more", yes_no, labels=yes_no_labels),
            ),
            case_id=case.case_id,
        )
        return self._ask(key, form, locale)

    def _management_line(self, case: Case, locale: Locale) -> str:
        due = ""
        if case.state is State.RELAYED and case.acknowledgement_due is not None:
            due = render(
                "management.due_ack", locale, date=day(case.acknowledgement_due, case.timezone)
            )
        elif case.state in (State.ACKNOWLEDGED, State.IN_FOLLOW_UP) and case.feedback_due:
            due = render(
                "management.due_feedback", locale, date=day(case.feedback_due, case.timezone)
            )
        # aftercare is the reporter's and the counsellor's: management, told the case
        # closed, sees it closed (a state would say a check-in waits, or she came back)
        state = State.CLOSED if case.state in AFTERCARE else case.state
        return render("management.case_line", locale, case=case.case_id, state=state, due=due)

    async def _give_feedback(self, sender: Sender, form: Form, locale: Locale) -> list[str]:
        a = form.answers
        assert form.case_id is not None
        feedback = Feedback(
            assessment=a["assessment"],
            action_kind=ActionKind(a["action_kind"]),
            action=a.get("action", ""),
            grounds=a.get("grounds", ""),
            more_to_follow=a["more"] == "yes",
        )
        await self.service.act(sender, form.case_id, GiveFeedback(feedback=feedback))
        return []


def _not_a_code(word: str) -> bool:
    """A first word that is no case code and not a mistyped one either (which the
    service refuses as an unknown case): the code was left out."""
    return parse_case_id(word) is None and "-" not in word
