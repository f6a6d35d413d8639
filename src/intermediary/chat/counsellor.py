"""The counsellor's text commands, and the counsellor's current case.

A Slack thread or a Matrix case room *is* a case: what is typed there goes to it.
In the console and in a direct message there is no such place, so each counsellor
has a current case there: the one chosen with ``!case CODE``, or else their only
open case. Plain text and commands without a case code go to it, and every reply
says which case it went to. With several open cases and none chosen, nothing is
sent: the counsellor is told so, with the codes to choose from, and nothing typed is
kept.

The choice is kept in memory, per counsellor address and front end. A restart
forgets it, which can only make the front end ask again (never send elsewhere):
with one open case that case is current anyway, with several the next line is
refused with the list. Keeping it in adapter state would add a stored link
between an address and a case for the sake of one retyped command.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime

from intermediary.chat.aftercare import aftercare_close
from intermediary.chat.aliases import command_word
from intermediary.chat.base import CLOSED, FrontEndBase
from intermediary.chat.choices import body, categories, leading_choice
from intermediary.chat.complaint import complaint_command, with_complaint
from intermediary.chat.pair import counsellor_pair
from intermediary.chat.parse import Line
from intermediary.chat.together import link_command
from intermediary.core import (
    Case,
    Close,
    DestinationId,
    Draft,
    FlagDetails,
    MeetingHeld,
    Minutes,
    Note,
    Outcome,
    Refer,
    Reply,
    State,
    parse_case_id,
)
from intermediary.core.building import day
from intermediary.directory import load_categories, load_referrals
from intermediary.errors import InvalidInput, UnknownCase
from intermediary.service.codec import Sender
from intermediary.text import Locale, render

__all__ = ["CounsellorCommands", "due_next"]


class CounsellorCommands(FrontEndBase):
    # --- counsellor ---------------------------------------------------------------------

    async def _counsellor(
        self, sender: Sender, line: Line, room_case: str | None, locale: Locale
    ) -> list[str]:
        command = line.command
        service = self.service
        if command is None:
            target = room_case or await self._current_case(sender, None, locale)
            _refuse_other_code(tuple(line.raw.split()[:1]), target)
            await service.act(sender, target, Reply(text=line.raw))
            return [] if room_case else [render("counsellor.sent_to", locale, case=target)]
        if command == "help":
            return [render("counsellor.help", locale)]
        if command == "cases":
            current = room_case or await self._chosen(sender)
            return [self._counsellor_cases(await service.cases_of(sender), current, locale)]
        if command == "case":
            return [await self._case_command(sender, line, room_case, locale)]
        if command == "bodies":
            directory = load_referrals()
            return [
                "\n".join(
                    f"{b.word_in(locale)} — {b.name.get(locale)}: {b.handles.get(locale)}"
                    for b in directory.bodies
                )
            ]
        if command in ("link", "unlink"):  # going together (chat/together.py)
            return await link_command(service, sender, line, room_case, locale)
        if line.words and parse_case_id(line.words[0]) is not None:
            case_id: str | None = line.words[0]
            skip = 1
        else:
            _refuse_other_code(line.words[:1], None)
            case_id, skip = room_case, 0
        handlers: dict[str, Callable[[str], Awaitable[Case | str]]] = {
            "reply": lambda c: service.act(sender, c, Reply(text=line.rest(skip))),
            "draft": lambda c: service.act(
                sender, c, Draft(text=line.rest(skip), destinations=self._destinations(line))
            ),
            "draft!": lambda c: service.act(
                sender,
                c,
                Draft(text=line.rest(skip), destinations=self._destinations(line), confirmed=True),
            ),
            "minutes": lambda c: service.act(sender, c, Minutes(text=line.rest(skip))),
            "flag": lambda c: service.act(
                sender, c, FlagDetails(words=tuple(p.strip() for p in line.rest(skip).split(",")))
            ),
            "note": lambda c: service.act(sender, c, Note(text=line.rest(skip))),
            "refer": lambda c: self._refer(sender, c, line, skip, locale),
            "met": lambda c: service.act(sender, c, MeetingHeld()),
            "close": lambda c: self._close(sender, c, line, skip, locale),
            "complaint": lambda c: complaint_command(service, sender, c, line, skip, locale),
            "pair": lambda c: counsellor_pair(service, sender, c, line.words[skip:], locale),
        }
        handler = handlers.get(command)
        if handler is None:
            raise InvalidInput("errors.unknown_command", command=f"{self.prefix}{command}")
        if case_id is None:
            typed = f"{self.prefix}{command_word(command, locale)}"  # as the reader types it
            case_id = await self._current_case(sender, typed, locale)
        shown = await handler(case_id)
        if isinstance(shown, str):  # !complaint alone: what is recorded
            return [shown]
        if command == "reply" and room_case is None:
            return [render("counsellor.sent_to", locale, case=parse_case_id(case_id) or case_id)]
        return []

    # --- the current case ---------------------------------------------------------------

    async def _open_codes(self, sender: Sender) -> list[str]:
        # a case closed with a check-in planned is closed to her until the reporter answers
        shut = (*CLOSED, State.CHECK_IN_PLANNED)
        return [c.case_id for c in await self.service.cases_of(sender) if c.state not in shut]

    async def _chosen(self, sender: Sender) -> str | None:
        """The current case outside a case room: the chosen one while it is open, else
        the only open case, else none. A chosen case that closed since (withdrawn,
        handed over) is refused until another is chosen: a line written for it must
        never fall over to the one other open case, which is another reporter's."""
        key = (sender.platform, sender.address)
        codes = await self._open_codes(sender)
        chosen = self._current.get(key)
        if chosen is not None and chosen not in codes:
            raise InvalidInput(
                "counsellor.current_gone", case=chosen, codes=", ".join(codes) or "-"
            )
        if chosen is None and len(codes) == 1:
            chosen = codes[0]
        return chosen

    async def _current_case(self, sender: Sender, command: str | None, locale: Locale) -> str:
        """The case a line without a code is for, or a refusal that lists the codes
        (``command`` is ``None`` for plain text, which is then not sent and not kept)."""
        chosen = await self._chosen(sender)
        if chosen is not None:
            return chosen
        codes = await self._open_codes(sender)
        if command is None:
            if not codes:
                raise InvalidInput("counsellor.not_sent_no_case")
            raise InvalidInput(
                "counsellor.not_sent_choose", count=len(codes), codes=", ".join(codes)
            )
        if not codes:
            raise self._missing(command, "case", f"{command} VP-7KQ3-M2XD …")
        raise InvalidInput(
            "counsellor.command_choose", command=command, count=len(codes), codes=", ".join(codes)
        )

    async def _case_command(
        self, sender: Sender, line: Line, room_case: str | None, locale: Locale
    ) -> str:
        """``!case CODE`` chooses the current case; ``!case`` says which it is (with the
        formal complaint recorded on it, if any)."""
        if room_case is not None:
            shown = render("counsellor.case_room", locale, case=room_case)
            return with_complaint(shown, await self.service.case_for(sender, room_case), locale)
        key = (sender.platform, sender.address)
        if line.words:
            typed = parse_case_id(line.words[0])
            if typed is None:  # "!zaak vp-": not "needs CASE", it was given, but wrongly
                raise InvalidInput("errors.not_a_case_code", typed=line.words[0])
            case = await self.service.case_for(sender, typed)
            if case.state in CLOSED:
                codes = await self._open_codes(sender)
                shown = render(
                    "counsellor.case_closed",
                    locale,
                    case=case.case_id,
                    codes=", ".join(codes) or "-",
                )
                return with_complaint(shown, case, locale)
            self._current[key] = case.case_id
            shown = render("counsellor.case_chosen", locale, case=case.case_id)
            return with_complaint(shown, case, locale)
        codes = await self._open_codes(sender)
        chosen = await self._chosen(sender)
        if chosen is not None:
            only = key not in self._current
            name = "counsellor.case_only" if only else "counsellor.case_current"
            shown = render(name, locale, case=chosen)
            return with_complaint(shown, await self.service.case_for(sender, chosen), locale)
        if not codes:
            return render("counsellor.no_cases", locale)
        return render("counsellor.case_none", locale, count=len(codes), codes=", ".join(codes))

    async def _close(
        self, sender: Sender, case_id: str, line: Line, skip: int, locale: Locale
    ) -> Case:
        """``!close CASE OUTCOME CATEGORY``, the words in any language of the catalogue;
        an outcome or a category of several words as it is shown ("geen actie")."""
        self._word(line, skip, "outcome")  # none: "needs OUTCOME"
        outcome, used = leading_choice(Outcome, line.words[skip:], "outcome", locale)
        self._word(line, skip + used, "category")  # none: "needs CATEGORY"
        typed = " ".join(line.words[skip + used :])
        case = await self.service.case_for(sender, case_id)
        policy = next((p for p in self.service.policies if p.id == case.org_id), None)
        allowed = policy.categories if policy is not None else load_categories().slugs
        chosen = categories(typed, allowed, locale)
        weeks = line.options.get("aftercare")  # "aftercare=6" / "nazorg=6": a check-in
        if weeks is not None:
            return await self.service.act(sender, case_id, aftercare_close(outcome, chosen, weeks))
        return await self.service.act(sender, case_id, Close(outcome=outcome, categories=chosen))

    async def _refer(
        self, sender: Sender, case_id: str, line: Line, skip: int, locale: Locale
    ) -> Case:
        """``!refer CASE BODY``, the body by its word or name in any language."""
        self._word(line, skip, "body")  # none: "needs BODY"
        case = await self.service.case_for(sender, case_id)
        policy = next((p for p in self.service.policies if p.id == case.org_id), None)
        allowed = policy.referral_bodies if policy is not None else load_referrals().slugs
        typed = line.rest(skip)  # a name may be several words ("Het Juridisch Loket")
        chosen = body(typed, allowed, locale)
        return await self.service.act(sender, case_id, Refer(body=chosen))

    @staticmethod
    def _destinations(line: Line) -> tuple[DestinationId, ...]:
        value = line.options.get("to", "")
        return tuple(DestinationId(v) for v in value.split(",") if v)

    def _word(self, line: Line, index: int, what: str) -> str:
        if len(line.words) <= index:
            raise self._missing(
                f"{self.prefix}{line.command}", what, f"{self.prefix}{line.command} VP-7KQ3-M2XD …"
            )
        return line.words[index]

    def _counsellor_cases(self, cases: list[Case], current: str | None, locale: Locale) -> str:
        open_cases = [c for c in cases if c.state not in CLOSED]
        if not open_cases:
            return render("counsellor.no_cases", locale)
        lines = []
        for c in open_cases:
            due = "".join(
                render(f"counsellor.due_{what}", locale, date=day(when, c.timezone))
                for what, when in due_next(c)
            )
            if c.case_id == current:
                due += render("counsellor.current_mark", locale)
            lines.append(
                render(
                    "counsellor.case_line",
                    locale,
                    case=c.case_id,
                    state=c.state,
                    opened=day(c.opened_at, c.timezone),
                    due=due,
                )
            )
        return "\n".join(lines)


def due_next(case: Case) -> list[tuple[str, datetime]]:
    """What is due next in ``case``, earliest first: management's acknowledgement (until
    given), else its feedback (until given), and a meeting the reporter asked for (until
    held)."""
    due: list[tuple[str, datetime]] = []
    if case.feedback_at is None:
        if case.acknowledged_at is None and case.acknowledgement_due is not None:
            due.append(("acknowledgement", case.acknowledgement_due))
        elif case.feedback_due is not None:
            due.append(("feedback", case.feedback_due))
    if case.meeting_due is not None:
        due.append(("meeting", case.meeting_due))
    return sorted(due, key=lambda item: item[1])


#: a word typed as a case code, perhaps mistyped ("VP-7KQ3-M2X", "7kq3-m2xd"); without
#: "VP-" only with a digit in it, so that a word such as "geen-actie" (!close's outcome,
#: four letters, a dash and five) is not taken for a code
#: the reference of management's question for advice (service/signals.py): a line for the
#: reporter never starts with one
_QUESTION_REF = re.compile(r"(?i)a-[0-9a-z]{4,12}")
_CODE_LIKE = re.compile(r"(?i)vp-\S*|(?=\S*[0-9])[a-z0-9]{4}-[a-z0-9]{3,5}")


def _refuse_other_code(first: tuple[str, ...], target: str | None) -> None:
    """Words for one case must not go to another: a line that starts with a case code
    (or what looks like a mistyped one) other than the case it would go to is refused,
    not sent to the current case with the code in it."""
    if first and _QUESTION_REF.fullmatch(first[0]):  # "!antwoord A-7KQ3 …" meant !beantwoord
        raise InvalidInput("counsellor.answer_reference", ref=first[0].upper())
    if not first or not _CODE_LIKE.fullmatch(first[0]):
        return
    typed = parse_case_id(first[0])
    if typed is None:
        raise UnknownCase(case=first[0])
    if target is not None and typed != parse_case_id(target):
        raise InvalidInput("counsellor.other_case", case=typed, current=target)
