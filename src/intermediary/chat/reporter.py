"""The reporter's text commands."""

from __future__ import annotations

from intermediary.chat.aftercare import DECLINE, decline
from intermediary.chat.base import CLOSED
from intermediary.chat.choices import choice
from intermediary.chat.intake import Intake
from intermediary.chat.pair import reporter_pair
from intermediary.chat.parse import Line
from intermediary.chat.together import together_command
from intermediary.core import (
    Approve,
    Case,
    ChangeMode,
    Command,
    Disclosure,
    Mode,
    Moment,
    Reject,
    RequestMeeting,
    SendMessage,
    State,
    StopContact,
    WidenDisclosure,
    Withdraw,
)
from intermediary.core.building import day
from intermediary.core.ids import parse_case_id
from intermediary.errors import InvalidInput
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.text import Locale, render

__all__ = ["REPORTER_COMMANDS", "ReporterCommands"]

#: the commands a reporter has (their own names); any other is unknown to a reporter, also
#: a counsellor's (``!reply``): never "you have no conversation" for a mistyped word
REPORTER_COMMANDS = frozenset(
    {
        "help",
        "info",
        "agreements",
        "new",
        "cases",
        "switch",
        "status",
        "approve",
        "reject",
        "mode",
        "disclosure",
        "meeting",
        "withdraw",
        "stop-contact",
        "together",
        "nottogether",
        DECLINE,
        "resume",
        "proof",
        "language",
        "cancel",
        "skip",
        "pair",
    }
)

#: the characters of a digest shown as a text's check code
_CHECK = 12


class ReporterCommands(Intake):
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
            cases = [c for c in await service.cases_of(sender) if c.state not in CLOSED]
            if not cases:
                before = len(self._kept.get(key, ()))
                kept = self._keep(sender, key, line.raw, locale)
                if key not in self._current:
                    return kept
                if len(self._kept.get(key, ())) == before:  # full: not kept, and said so
                    return [*self._closed(key, locale), *kept]
                return self._closed(key, locale, kept=True)
            case_id = self._pick(key, cases, plain=True)
            await service.act(sender, case_id, SendMessage(text=line.raw), profile=profile)
            return self._sent_in(case_id, cases, locale)
        if command not in REPORTER_COMMANDS:
            raise InvalidInput("errors.unknown_command", command=f"{self.prefix}{command}")
        if command == "help":
            return [render("reporter.help", locale)]
        if command == "info":
            return self._info(sender, key, locale)
        if command == "agreements":
            return await self._agreements(sender, key, locale)
        if command == "cancel" and self._kept.pop(key, []):
            return [render("reporter.kept_forgotten", locale)]
        if command == "new":
            return await self._new_form(sender, key, line, profile, locale)
        if command in ("status", "cases") and self._starting(key):
            cases = [c for c in await service.cases_of(sender) if c.state not in CLOSED]
            if not cases:  # "send !new", to someone answering !new? the form's reminder says
                return []
        if command == "cases":
            cases = await service.cases_of(sender)
            if not cases and key in self._current:  # not "no cases yet": it was closed
                return self._closed(key, locale)
            return [self._reporter_cases(cases, key, locale)]
        if command == "resume":
            if len(line.words) < 2:
                raise self._missing("!resume", "case_phrase", "!resume VP-7KQ3-M2XD ABCD-…")
            case = await service.resume(sender, line.words[0], " ".join(line.words[1:]), profile)
            self._current[key] = case.case_id
            self._no_language.discard(key)  # the case may bring a language it kept
            return []
        if command == "switch":
            if not line.words:
                raise self._missing("!switch", "case", "!switch VP-7KQ3-M2XD")
            case = await service.case_for(sender, line.words[0])
            self._current[key] = case.case_id
            return [render("reporter.switched", locale, case=case.case_id)]
        if command == "proof" and len(line.words) >= 2:  # by the receipt: also once closed
            token = await service.proof(sender, line.words[0], " ".join(line.words[1:]))
            case_id = parse_case_id(line.words[0]) or line.words[0]
            return [render("reporter.proof", locale, case=case_id, token=token)]
        cases = [c for c in await service.cases_of(sender) if c.state not in CLOSED]
        if not cases and key in self._current and command in ("status", "proof"):
            return self._closed(key, locale)
        if not cases:
            return [render("errors.no_case", locale)]
        if command == "approve" and len(cases) > 1:
            case_id = self._case_of_approval(line, cases)
        else:
            case_id = self._pick(key, cases)
        simple: dict[str, Command] = {
            "withdraw": Withdraw(),
            "stop-contact": StopContact(),
            "meeting": RequestMeeting(),
            DECLINE: decline(),
        }
        if command in simple:
            await service.act(sender, case_id, simple[command])
            return []
        if command in ("together", "nottogether"):  # going together (chat/together.py)
            await together_command(service, sender, case_id, line)
            return []
        if command == "status":
            return [self._status(await service.case_for(sender, case_id), locale)]
        if command == "pair":
            return await reporter_pair(service, sender, case_id, line.words, locale)
        if command == "proof":
            token = await service.proof(sender, case_id)
            return [render("reporter.proof", locale, case=case_id, token=token)]
        if command in ("approve", "reject"):
            number = self._number(line, command)
            if command == "approve":
                words = [w.lower() for w in line.words[1:]]
                moment = Moment.BATCH if "later" in words else Moment.NOW
                checks = [w for w in words if w != "later"]
                digest = await self._named_digest(
                    sender, case_id, number, checks, line.options.get("digest")
                )
                await service.act(
                    sender, case_id, Approve(number=number, moment=moment, digest=digest)
                )
            else:
                await service.act(sender, case_id, Reject(number=number, reason=line.rest(1)))
            return []
        if command == "mode":
            mode = choice(Mode, line.words[0] if line.words else "", "mode", locale)
            await service.act(sender, case_id, ChangeMode(mode=mode))
            return []
        if command == "disclosure":
            level = choice(Disclosure, line.words[0] if line.words else "", "disclosure", locale)
            await service.act(sender, case_id, WidenDisclosure(disclosure=level), profile=profile)
            return []
        raise InvalidInput("errors.unknown_command", command=f"{self.prefix}{command}")

    async def _named_digest(
        self, sender: Sender, case_id: str, number: int, checks: list[str], given: str | None
    ) -> str | None:
        """The digest an approval names (docs/PROTOCOL.md, "Consent to the exact text").

        ``!approve N`` names none: the number is one exact text. ``!approve N CHECK``
        names the text whose digest starts with CHECK, the check code shown after the
        text (at least its 12 characters); ``digest=`` names a whole digest. A check code
        that is not the waiting text's names a digest no text has, so the service refuses
        the approval (after its own checks of the case and the number) and nothing is sent.
        """
        if not checks:
            return given
        case = await self.service.case_for(sender, case_id)
        item = case.pending_item(number)
        digest = item.digest if item is not None else ""
        for check in checks:
            if len(check) < _CHECK or not digest.startswith(check):
                return check
        return digest if given is None else given

    def _case_of_approval(self, line: Line, cases: list[Case]) -> str:
        """The case of ``!approve N CHECK`` when the reporter has several open cases.

        Each case numbers its own texts, so with two cases "text 2" can be either: the
        number alone would approve whichever case is current, perhaps not the text the
        reporter read (found by review). The check code shown under the text says which
        text it is; without one the approval is refused and nothing is sent.
        """
        number = self._number(line, "approve")
        named = line.options.get("digest") or next(
            (w.lower() for w in line.words[1:] if w.lower() != "later"), ""
        )
        if not named:
            raise InvalidInput("errors.approve_needs_check", number=number)
        for case in cases:
            item = case.pending_item(number)
            if item is not None and len(named) >= _CHECK and item.digest.startswith(named):
                return case.case_id
        raise InvalidInput("errors.approve_no_such_text", number=number)

    async def _agreements(self, sender: Sender, key: tuple[str, str], locale: Locale) -> list[str]:
        """The confidentiality agreements in force of the reporter's organisation and of
        every organisation one of their open cases is with (someone seconded to a second
        client has a case with each), and the version each open case was opened under
        when it is another. Only organisations that are theirs are ever named."""
        cases = [c for c in await self.service.cases_of(sender) if c.state not in CLOSED]
        known = {p.id: p for p in self.service.policies}
        own = self._organisation(sender, key)
        ids = ([own.id] if own is not None else []) + [c.org_id for c in cases]
        policies = [known[i] for i in dict.fromkeys(ids) if i in known]
        if not policies:  # several organisations, none known to be theirs: name none
            return [render("reporter.agreement_which", locale)]
        said: list[str] = []
        for policy in policies:
            now = policy.agreement
            if now is None:
                said.append(render("reporter.agreement_none", locale, organisation=policy.name))
                continue
            said.append(
                render(
                    "reporter.agreement",
                    locale,
                    organisation=policy.name,
                    version=now.version,
                    text=now.text,
                )
            )
            older: dict[str, list[str]] = {}  # each older version's text once, its cases named
            for case in cases:
                if case.org_id == policy.id and case.agreement_version not in (None, now.version):
                    older.setdefault(str(case.agreement_version), []).append(case.case_id)
            for version, opened in older.items():
                then = policy.agreement_of(version)
                # a version no longer configured is named, its text never invented
                sentence = (
                    "reporter.agreement_gone" if then is None else "reporter.agreement_of_case"
                )
                text = {} if then is None else {"text": then.text}
                said.append(
                    render(sentence, locale, cases=", ".join(opened), version=version, **text)
                )
        return said

    def _starting(self, key: tuple[str, str]) -> bool:
        """Whether this sender is answering the questions of ``!new``."""
        form = self._forms.get(key)
        return form is not None and form.kind == "new"

    def _closed(self, key: tuple[str, str], locale: Locale, kept: bool = False) -> list[str]:
        """What a reporter whose case was closed (in this chat's memory) can still do;
        ``kept``: their message was not sent, but kept for a new conversation."""
        case = self._current[key]
        said = "reporter.closed_not_sent" if kept else "reporter.closed_status"
        head = render(said, locale, case=case)
        return [f"{head}\n{render('reporter.closed_options', locale, case=case)}"]

    def _pick(self, key: tuple[str, str], cases: list[Case], *, plain: bool = False) -> str:
        """The case a line without a code is for: the current one, else the only one;
        else refused (``plain``: a message, told it was not sent)."""
        current = self._current.get(key)
        if current is not None and any(c.case_id == current for c in cases):
            return current
        if len(cases) == 1:
            return cases[0].case_id
        if plain:
            codes = ", ".join(c.case_id for c in cases)
            raise InvalidInput("reporter.not_sent_choose", count=len(cases), codes=codes)
        raise InvalidInput("errors.pick_case")

    @staticmethod
    def _sent_in(case_id: str, cases: list[Case], locale: Locale) -> list[str]:
        """Nothing, with one open case; with more, which one a message went to and how
        to write in the others: a message in the wrong case may reach another
        counsellor, so the reporter must be able to see it at once (issue 18)."""
        others = [c.case_id for c in cases if c.case_id != case_id]
        if not others:
            return []
        if len(others) == 1:
            return [
                render("reporter.sent_in_case_one_other", locale, case=case_id, other=others[0])
            ]
        joined = ", ".join(others)
        return [render("reporter.sent_in_case_others", locale, case=case_id, others=joined)]

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
        if case.together:  # going together: what waits, and for how many reports in all
            held = ", ".join(str(h.item.number) for h in case.held_relays) or "-"
            details.append(render("reporter.status_together", locale, k=case.together, held=held))
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
