"""The text front end shared by the console, Matrix and Slack's fallback.

It turns a sender's line into a service call and answers in the sender's
language. What the service delivers to other parties goes through the
outbox; what this returns is only the immediate answer to the sender
(lists, status, forms, and clear refusals).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from intermediary.chat.forms import Form, Question
from intermediary.chat.parse import Line, parse_line
from intermediary.codec import ReporterProfile, Sender
from intermediary.core import (
    Acknowledge,
    ActionKind,
    Approve,
    Ask,
    Case,
    ChangeMode,
    Close,
    Disclosure,
    Draft,
    Feedback,
    FlagDetails,
    GiveFeedback,
    MeetingHeld,
    Minutes,
    Mode,
    Moment,
    Note,
    Outcome,
    Refer,
    Reject,
    Reply,
    RequestMeeting,
    Role,
    SendMessage,
    State,
    StopContact,
    WidenDisclosure,
    Withdraw,
    parse_case_id,
)
from intermediary.core.building import day
from intermediary.directory import load_categories, load_referrals
from intermediary.errors import Fault, IntermediaryError, InvalidInput
from intermediary.service import Service
from intermediary.text import Locale, render

__all__ = ["ChatFrontEnd"]

log = logging.getLogger("intermediary.chat")

_CLOSED = (State.CLOSED, State.PURGED)


class ChatFrontEnd:
    def __init__(self, service: Service, *, prefix: str = "!") -> None:
        self.service = service
        self.prefix = prefix
        self._forms: dict[tuple[str, str], Form] = {}
        self._current: dict[tuple[str, str], str] = {}
        self._greeted: set[tuple[str, str]] = set()

    # --- entry point --------------------------------------------------------------------

    async def handle(
        self,
        sender: Sender,
        text: str,
        *,
        profile: ReporterProfile | None = None,
        room_case: str | None = None,
    ) -> list[str]:
        """Answer one line from ``sender``; never raises for the sender's mistakes."""
        locale = self.locale_of(sender, profile)
        try:
            return await self._handle(sender, text, profile or ReporterProfile(), room_case, locale)
        except IntermediaryError as error:
            if error.fault is not Fault.SENDER:
                log.error("command failed", extra={"error": type(error).__name__})
            return [error.message(locale)]

    def locale_of(self, sender: Sender, profile: ReporterProfile | None = None) -> Locale:
        config = self.service.config
        for c in self.service.counsellor_roles(sender):
            org = config.organisation(c.org_id)
            assert org is not None
            found = next(x for x in org.counsellors if x.id == c.counsellor_id)
            return found.locale or org.locale
        for m in self.service.management_roles(sender):
            org = config.organisation(m.org_id)
            assert org is not None
            dest = next(x for x in org.management if x.id == m.destination_id)
            return dest.locale or org.locale
        if profile is not None and profile.locale is not None:
            return profile.locale
        return config.organisations[0].locale

    async def _handle(
        self,
        sender: Sender,
        text: str,
        profile: ReporterProfile,
        room_case: str | None,
        locale: Locale,
    ) -> list[str]:
        key = (sender.platform, sender.address)
        line = parse_line(text, self.prefix)
        form = self._forms.get(key)
        if form is not None:
            if line.command == "cancel":
                del self._forms[key]
                return [render("errors.cancelled", locale)]
            if line.command is None or line.command == "skip":
                return await self._answer(sender, key, form, text, profile, locale)
            del self._forms[key]  # another command abandons the form
        role = self.service.role_of(sender)
        if role is Role.COUNSELLOR:
            return await self._counsellor(sender, line, room_case, locale)
        if role is Role.MANAGEMENT:
            return await self._management(sender, line, locale)
        return await self._reporter(sender, key, line, profile, locale)

    # --- forms --------------------------------------------------------------------------

    def _ask(self, key: tuple[str, str], form: Form, locale: Locale) -> list[str]:
        self._forms[key] = form
        question = form.current
        assert question is not None
        lines = [render(question.prompt_key, locale)]
        if question.choices:
            lines += [f"{n}. {label}" for n, (_, label) in enumerate(question.choices, 1)]
            lines.append(render("common.choices_hint", locale))
        return ["\n".join(lines)]

    async def _answer(
        self,
        sender: Sender,
        key: tuple[str, str],
        form: Form,
        text: str,
        profile: ReporterProfile,
        locale: Locale,
    ) -> list[str]:
        try:
            form = form.answer(text, f"{self.prefix}skip")
        except InvalidInput as error:  # say what was wrong, and ask again
            return [error.message(locale), *self._ask(key, form, locale)]
        if form.current is not None:
            return self._ask(key, form, locale)
        del self._forms[key]
        if form.kind == "new":
            return await self._open(sender, key, form.answers, profile)
        return await self._give_feedback(sender, form, locale)

    # --- reporter -----------------------------------------------------------------------

    async def _reporter(
        self,
        sender: Sender,
        key: tuple[str, str],
        line: Line,
        profile: ReporterProfile,
        locale: Locale,
    ) -> list[str]:
        command = line.command
        service = self.service
        if command is None:
            cases = [c for c in await service.cases_of(sender) if c.state not in _CLOSED]
            if not cases:
                return self._notice(key, locale, force=True)
            case_id = self._pick(key, cases)
            await service.act(sender, case_id, SendMessage, text=line.raw, profile=profile)
            return []
        if command == "help":
            return [*self._notice(key, locale), render("reporter.help", locale)]
        if command == "new":
            return self._new_form(sender, key, line, profile, locale)
        if command == "cases":
            return [self._reporter_cases(await service.cases_of(sender), key, locale)]
        if command == "resume":
            if len(line.words) < 2:
                raise self._missing("!resume", "CASE PHRASE", "!resume VP-7KQ3-M2XD ABCD-…")
            case = await service.resume(sender, line.words[0], " ".join(line.words[1:]), profile)
            self._current[key] = case.case_id
            return []
        if command == "switch":
            if not line.words:
                raise self._missing("!switch", "CASE", "!switch VP-7KQ3-M2XD")
            case = await service.case_for(sender, line.words[0])
            self._current[key] = case.case_id
            return [render("reporter.switched", locale, case=case.case_id)]
        cases = [c for c in await service.cases_of(sender) if c.state not in _CLOSED]
        if not cases:
            return [render("errors.no_case", locale)]
        case_id = self._pick(key, cases)
        simple: dict[str, tuple[type[Any], dict[str, Any]]] = {
            "withdraw": (Withdraw, {}),
            "stop-contact": (StopContact, {}),
            "meeting": (RequestMeeting, {}),
        }
        if command in simple:
            kind, fields = simple[command]
            await service.act(sender, case_id, kind, **fields)
            return []
        if command == "status":
            return [self._status(await service.case_for(sender, case_id), locale)]
        if command == "proof":
            token = await service.proof(sender, case_id)
            return [render("reporter.proof", locale, case=case_id, token=token)]
        if command in ("approve", "reject"):
            number = self._number(line, command)
            if command == "approve":
                moment = Moment.BATCH if "later" in line.words[1:] else Moment.NOW
                await service.act(
                    sender,
                    case_id,
                    Approve,
                    number=number,
                    moment=moment,
                    digest=line.options.get("digest"),
                )
            else:
                await service.act(sender, case_id, Reject, number=number, reason=line.rest(1))
            return []
        if command == "mode":
            mode = _choice(Mode, line.words[0] if line.words else "", "mode")
            await service.act(sender, case_id, ChangeMode, mode=mode)
            return []
        if command == "disclosure":
            level = _choice(Disclosure, line.words[0] if line.words else "", "disclosure")
            await service.act(sender, case_id, WidenDisclosure, disclosure=level, profile=profile)
            return []
        raise InvalidInput("errors.unknown_command", command=f"{self.prefix}{command}")

    def _notice(self, key: tuple[str, str], locale: Locale, force: bool = False) -> list[str]:
        if key in self._greeted and not force:
            return []
        self._greeted.add(key)
        notices = []
        for policy in self.service.policies:
            counsellors = "; ".join(
                f"{c.name} ({render(f'words.counsellor_kind.{c.kind}', locale)})"
                + (f" — {c.description}" if c.description else "")
                for c in policy.counsellors
            )
            note_key = f"reporter.platform_note_{self.service.platform}"
            note = render(
                note_key if note_key in _catalog(locale) else "reporter.platform_note_console",
                locale,
            )
            notices.append(
                render(
                    "reporter.notice",
                    locale,
                    organisation=policy.name,
                    counsellors=counsellors,
                    platform_note=note,
                )
            )
        return notices

    def _pick(self, key: tuple[str, str], cases: list[Case]) -> str:
        current = self._current.get(key)
        if current is not None and any(c.case_id == current for c in cases):
            return current
        if len(cases) == 1:
            return cases[0].case_id
        raise InvalidInput("errors.pick_case")

    def _new_form(
        self,
        sender: Sender,
        key: tuple[str, str],
        line: Line,
        profile: ReporterProfile,
        locale: Locale,
    ) -> list[str]:
        service = self.service
        given = dict(line.options)
        questions: list[Question] = []
        policies = service.policies
        if "org" not in given:
            if len(policies) == 1:
                given["org"] = policies[0].id
            else:
                questions.append(
                    Question(
                        "org", "reporter.ask_organisation", tuple((p.id, p.name) for p in policies)
                    )
                )
        org_id = given.get("org")
        policy = next((p for p in policies if p.id == org_id), None)
        if "counsellor" not in given:
            if policy is not None and len(policy.counsellors) == 1:
                given["counsellor"] = policy.counsellors[0].id
            elif policy is not None:
                questions.append(
                    Question(
                        "counsellor",
                        "reporter.ask_counsellor",
                        tuple(
                            (
                                c.id,
                                f"{c.name} ({render(f'words.counsellor_kind.{c.kind}', locale)})",
                            )
                            for c in policy.counsellors
                        ),
                    )
                )
        if "mode" not in given:
            questions.append(
                Question(
                    "mode",
                    "reporter.ask_mode",
                    tuple((m.value, render(f"words.mode.{m.value}", locale)) for m in Mode),
                )
            )
        if "disclosure" not in given:
            questions.append(
                Question(
                    "disclosure",
                    "reporter.ask_disclosure",
                    tuple(
                        (d.value, render(f"words.disclosure.{d.value}", locale)) for d in Disclosure
                    ),
                )
            )
        if "category" not in given:
            categories = load_categories()
            slugs = policy.categories if policy else categories.slugs
            labels = []
            for slug in slugs:
                found = categories.get(slug)
                labels.append((slug, found.name.get(locale) if found else slug))
            questions.append(Question("category", "reporter.ask_category", tuple(labels)))
        questions.append(Question("first_message", "reporter.ask_first_message", optional=True))
        form = Form("new", tuple(questions), given)
        if form.current is None:  # pragma: no cover - the first message is always asked
            raise AssertionError
        return [*self._notice(key, locale), *self._ask(key, form, locale)]

    async def _open(
        self,
        sender: Sender,
        key: tuple[str, str],
        answers: dict[str, str],
        profile: ReporterProfile,
    ) -> list[str]:
        org_id = answers["org"]
        policy = next((p for p in self.service.policies if p.id == org_id), None)
        if policy is not None and "counsellor" not in answers and len(policy.counsellors) > 1:
            raise InvalidInput(
                "errors.unknown_counsellor",
                counsellor="-",
                choices=", ".join(c.id for c in policy.counsellors),
            )
        counsellor = answers.get("counsellor") or (
            policy.counsellors[0].id if policy is not None else ""
        )
        case, _ = await self.service.open_case(
            sender,
            profile,
            org_id=org_id,
            counsellor_id=counsellor,
            mode=_choice(Mode, answers["mode"], "mode"),
            disclosure=_choice(Disclosure, answers["disclosure"], "disclosure"),
            categories=[c for c in answers.get("category", "unknown").split(",") if c],
            first_message=answers.get("first_message") or None,
        )
        self._current[key] = case.case_id
        return []

    def _reporter_cases(self, cases: list[Case], key: tuple[str, str], locale: Locale) -> str:
        if not cases:
            return render("reporter.no_cases", locale)
        current = self._current.get(key)
        return "\n".join(
            render(
                "reporter.case_line",
                locale,
                case=c.case_id,
                state=c.state,
                marker=render("reporter.current_marker", locale) if c.case_id == current else "",
            )
            for c in cases
        )

    def _status(self, case: Case, locale: Locale) -> str:
        details = []
        if case.pending:
            details.append(
                render(
                    "reporter.status_waiting",
                    locale,
                    numbers=", ".join(str(p.number) for p in case.pending),
                )
            )
        now = self.service.clock()
        if case.relayed_at is not None and case.relayed_at > now:
            details.append(
                render(
                    "reporter.status_scheduled", locale, date=day(case.relayed_at, case.timezone)
                )
            )
        if case.state is State.RELAYED and case.acknowledgement_due is not None:
            details.append(
                render(
                    "reporter.status_acknowledge_due",
                    locale,
                    date=day(case.acknowledgement_due, case.timezone),
                )
            )
        if case.state in (State.ACKNOWLEDGED, State.IN_FOLLOW_UP) and case.feedback_due:
            details.append(
                render(
                    "reporter.status_feedback_due",
                    locale,
                    date=day(case.feedback_due, case.timezone),
                )
            )
        return render(
            "reporter.status",
            locale,
            case=case.case_id,
            state=case.state,
            mode=case.mode,
            disclosure=case.disclosure,
            details="\n".join(details),
        ).rstrip()

    # --- counsellor ---------------------------------------------------------------------

    async def _counsellor(
        self, sender: Sender, line: Line, room_case: str | None, locale: Locale
    ) -> list[str]:
        command = line.command
        service = self.service
        if command is None:
            if room_case is None:
                raise self._missing("!reply", "CASE", "!reply VP-7KQ3-M2XD …")
            await service.act(sender, room_case, Reply, text=line.raw)
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
            "reply": lambda c: service.act(sender, c, Reply, text=line.rest(skip)),
            "draft": lambda c: service.act(
                sender, c, Draft, text=line.rest(skip), destinations=self._destinations(line)
            ),
            "draft!": lambda c: service.act(
                sender,
                c,
                Draft,
                text=line.rest(skip),
                destinations=self._destinations(line),
                confirmed=True,
            ),
            "minutes": lambda c: service.act(sender, c, Minutes, text=line.rest(skip)),
            "flag": lambda c: service.act(
                sender, c, FlagDetails, words=tuple(p.strip() for p in line.rest(skip).split(","))
            ),
            "note": lambda c: service.act(sender, c, Note, text=line.rest(skip)),
            "refer": lambda c: service.act(sender, c, Refer, body=self._word(line, skip, "BODY")),
            "met": lambda c: service.act(sender, c, MeetingHeld),
            "close": lambda c: service.act(
                sender,
                c,
                Close,
                outcome=_choice(Outcome, self._word(line, skip, "OUTCOME"), "outcome"),
                categories=tuple(self._word(line, skip + 1, "CATEGORY").split(",")),
            ),
        }
        handler = handlers.get(command)
        if handler is None:
            raise InvalidInput("errors.unknown_command", command=f"{self.prefix}{command}")
        if case_id is None:
            raise self._missing(
                f"{self.prefix}{command}", "CASE", f"{self.prefix}{command} VP-7KQ3-M2XD …"
            )
        await handler(case_id)
        return []

    @staticmethod
    def _destinations(line: Line) -> tuple[str, ...]:
        value = line.options.get("to", "")
        return tuple(v for v in value.split(",") if v)

    def _word(self, line: Line, index: int, what: str) -> str:
        if len(line.words) <= index:
            raise self._missing(
                f"{self.prefix}{line.command}", what, f"{self.prefix}{line.command} VP-7KQ3-M2XD …"
            )
        return line.words[index]

    def _counsellor_cases(self, cases: list[Case], locale: Locale) -> str:
        open_cases = [c for c in cases if c.state not in _CLOSED]
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

    # --- management ---------------------------------------------------------------------

    async def _management(self, sender: Sender, line: Line, locale: Locale) -> list[str]:
        command = line.command
        service = self.service
        if command is None or command == "help":
            return [render("management.help", locale)]
        if command == "cases":
            cases = await service.cases_of(sender)
            if not cases:
                return [render("management.no_cases", locale)]
            return ["\n".join(self._management_line(c, locale) for c in cases)]
        if command not in ("ack", "ask", "feedback"):
            raise InvalidInput("errors.unknown_command", command=f"{self.prefix}{command}")
        if not line.words:
            raise self._missing(
                f"{self.prefix}{command}", "CASE", f"{self.prefix}{command} VP-7KQ3-M2XD"
            )
        case_id = line.words[0]
        if command == "ack":
            await service.act(sender, case_id, Acknowledge)
            return []
        if command == "ask":
            await service.act(sender, case_id, Ask, text=line.rest(1))
            return []
        case = await service.case_for(sender, case_id)  # refuse early, before the form
        key = (sender.platform, sender.address)
        yes_no = (("yes", render("common.yes", locale)), ("no", render("common.no", locale)))
        form = Form(
            "feedback",
            (
                Question("assessment", "management.ask_assessment"),
                Question(
                    "action_kind",
                    "management.ask_action_kind",
                    tuple((a.value, render(f"words.action.{a.value}", locale)) for a in ActionKind),
                ),
                Question("action", "management.ask_action", optional=True),
                Question("grounds", "management.ask_grounds", optional=True),
                Question("more", "management.ask_more", yes_no),
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
        return render("management.case_line", locale, case=case.case_id, state=case.state, due=due)

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
        await self.service.act(sender, form.case_id, GiveFeedback, feedback=feedback)
        return []

    # --- small helpers ------------------------------------------------------------------

    def _missing(self, command: str, what: str, example: str) -> InvalidInput:
        return InvalidInput("errors.missing_argument", command=command, what=what, example=example)

    def _number(self, line: Line, command: str) -> int:
        if not line.words or not line.words[0].isdigit():
            raise self._missing(f"{self.prefix}{command}", "N", f"{self.prefix}{command} 3")
        return int(line.words[0])


def _catalog(locale: Locale) -> frozenset[str]:
    from intermediary.text import catalog

    return frozenset(catalog(locale))


_E = TypeVar("_E", Mode, Disclosure, Outcome)


def _choice(kind: type[_E], value: str, field: str) -> _E:
    """An enum member from what a person typed, or a refusal listing the choices."""
    try:
        return kind(value.strip().lower())
    except ValueError:
        raise InvalidInput(
            "errors.unknown_option",
            value=value or "-",
            field=field,
            choices=", ".join(k.value for k in kind),
        ) from None
