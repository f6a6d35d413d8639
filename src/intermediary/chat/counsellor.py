"""The counsellor's text commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from intermediary.chat.base import CLOSED, FrontEndBase
from intermediary.chat.choices import categories, choice
from intermediary.chat.parse import Line
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
from intermediary.errors import InvalidInput
from intermediary.service.codec import Sender
from intermediary.text import Locale, render

__all__ = ["CounsellorCommands"]


class CounsellorCommands(FrontEndBase):
    # --- counsellor ---------------------------------------------------------------------

    async def _counsellor(
        self, sender: Sender, line: Line, room_case: str | None, locale: Locale
    ) -> list[str]:
        command = line.command
        service = self.service
        if command is None:
            if room_case is None:
                raise self._missing("!reply", "case", "!reply VP-7KQ3-M2XD …")
            await service.act(sender, room_case, Reply(text=line.raw))
            return []
        if command == "help":
            return [render("counsellor.help", locale)]
        if command == "cases":
            return [self._counsellor_cases(await service.cases_of(sender), locale)]
        if command == "bodies":
            directory = load_referrals()
            return [
                "\n".join(
                    f"{b.slug} — {b.name.get(locale)}: {b.handles.get(locale)}"
                    for b in directory.bodies
                )
            ]
        if line.words and parse_case_id(line.words[0]) is not None:
            case_id: str | None = line.words[0]
            skip = 1
        else:
            case_id, skip = room_case, 0
        handlers: dict[str, Callable[[str], Awaitable[Case]]] = {
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
            "refer": lambda c: service.act(sender, c, Refer(body=self._word(line, skip, "body"))),
            "met": lambda c: service.act(sender, c, MeetingHeld()),
            "close": lambda c: self._close(sender, c, line, skip, locale),
        }
        handler = handlers.get(command)
        if handler is None:
            raise InvalidInput("errors.unknown_command", command=f"{self.prefix}{command}")
        if case_id is None:
            raise self._missing(
                f"{self.prefix}{command}", "case", f"{self.prefix}{command} VP-7KQ3-M2XD …"
            )
        await handler(case_id)
        return []

    async def _close(
        self, sender: Sender, case_id: str, line: Line, skip: int, locale: Locale
    ) -> Case:
        """``!close CASE OUTCOME CATEGORY``, the words in any language of the catalogue."""
        outcome = choice(Outcome, self._word(line, skip, "outcome"), "outcome", locale)
        typed = self._word(line, skip + 1, "category")
        case = await self.service.case_for(sender, case_id)
        policy = next((p for p in self.service.policies if p.id == case.org_id), None)
        allowed = policy.categories if policy is not None else load_categories().slugs
        chosen = categories(typed, allowed, locale)
        return await self.service.act(sender, case_id, Close(outcome=outcome, categories=chosen))

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

    def _counsellor_cases(self, cases: list[Case], locale: Locale) -> str:
        open_cases = [c for c in cases if c.state not in CLOSED]
        if not open_cases:
            return render("counsellor.no_cases", locale)
        lines = []
        for c in open_cases:
            due = ""
            if c.state is State.RELAYED and c.acknowledgement_due is not None:
                due = render(
                    "counsellor.due_suffix", locale, date=day(c.acknowledgement_due, c.timezone)
                )
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
