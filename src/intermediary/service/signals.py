"""Signals and advice outside any case, between the counsellor and management.

The steps and their checks are the core's table (:mod:`intermediary.core.outside`);
this carries them out. A counsellor's signal (drawn on cases of theirs) or advice (on
none), management's question and the counsellor's answer are each:

- checked first, all of it, before anything is kept or sent: the sender's role, the
  text (as a relay draft: :func:`checked_text`, invisible characters out), the cases
  (each one of the counsellor's own, of the one organisation), the minimum cell size
  (cases from fewer reporters only with each reporter's agreement confirmed, case by
  case: three cases of one reporter are one reporter, never "three reports"), the words
  that identify the reporter of any open case of the counsellor there;
- shown to the counsellor exactly as it will go (:class:`Prepared`), and sent only
  with the digest of that text (:meth:`Signals.send` checks everything again);
- kept sealed to the counsellor who holds it (``office_notes``: a question to every
  counsellor of the organisation), with the service's MAC over the row, so that a row
  written by anyone else is not acted on; recorded in the audit chain (kind,
  organisation, reference, a band of the number of cases, whether agreement was
  confirmed; never the text or a case code), and queued for management or the
  counsellors through the outbox under a neutral label.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from intermediary import crypto
from intermediary.config import OrganisationConfig
from intermediary.core import CounsellorActor, ManagementActor, Note, Role, parse_case_id
from intermediary.core.effects import Message
from intermediary.core.outside import OutsideStep, case_band
from intermediary.core.validation import checked_text, without_invisible
from intermediary.errors import InvalidInput, UnknownCase
from intermediary.service.codec import Sender
from intermediary.service.facade import Service
from intermediary.service.hygiene import refuse_broken_text
from intermediary.service.identifying import matching_words
from intermediary.service.notes import NoteKeeper
from intermediary.store import UnitOfWork
from intermediary.store.notes import NoteReader
from intermediary.store.records import NoteRow
from intermediary.text import render
from intermediary.text.phrase import counted

__all__ = ["ANSWER", "QUESTION", "Prepared", "Signals", "new_ref"]

#: the rows' kinds besides the steps' own: a question as management asked it, an answer
QUESTION = "question"
ANSWER = "answer"
#: Crockford base32, as case codes
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: draws of a reference before a taken one is lengthened instead
_REDRAWS = 8
#: the chat command each step is given with, for refusals
_COMMAND = {
    OutsideStep.SIGNAL: "!signal",
    OutsideStep.ADVICE: "!advice",
    OutsideStep.ANSWER_ADVICE: "!answer",
    OutsideStep.ASK_ADVICE: "!advice",
}


def new_ref(prefix: str) -> str:
    """A short random reference (``A-7KQ3``): 20 bits, never a count of anything."""
    return f"{prefix}-" + "".join(secrets.choice(_ALPHABET) for _ in range(4))


@dataclass(frozen=True)
class Prepared:
    """A signal, an advice or an answer as it will go, every check passed."""

    kind: OutsideStep
    org_id: str
    counsellor_id: str
    #: the text as management will read it (cleaned as a relay draft is)
    text: str
    digest: str
    #: the cases it draws on (a signal), in the order named
    cases: tuple[str, ...] = ()
    #: the organisation's minimum cell size; cases from fewer reporters need each one's
    #: agreement
    minimum: int = 5
    #: the cases come from fewer reporters than ``minimum`` (never how many, nor which
    #: cases share one)
    few_reporters: bool = False
    #: the management destinations it goes to
    destinations: tuple[str, ...] = ()
    #: the question it answers (an answer)
    ref: str | None = None
    #: invisible characters taken out of the text
    removed: int = 0

    @property
    def needs_agreement(self) -> bool:
        return bool(self.cases) and self.few_reporters


class Signals:
    """What a front end calls for signals and advice; the service does the rest."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.keys = service.keys
        self.kept = NoteKeeper(service)

    # --- checks -------------------------------------------------------------------------

    def _counsellor(self, sender: Sender, step: OutsideStep, org: str | None) -> CounsellorActor:
        """The sender as a counsellor of ``org`` (or of their one organisation)."""
        roles = self.service.counsellor_roles(sender)
        if not roles:
            raise InvalidInput("errors.not_allowed_here", command=_COMMAND[step])
        if org is not None:
            found = next((r for r in roles if r.org_id == org), None)
            if found is None:  # never says whether another organisation exists
                raise InvalidInput("signals.not_your_organisation", organisation=org)
            return found
        if len({r.org_id for r in roles}) > 1:
            raise InvalidInput(
                "signals.which_organisation",
                command=_COMMAND[step],
                choices=", ".join(sorted({r.org_id for r in roles})),
            )
        return roles[0]

    def _org(self, org_id: str) -> OrganisationConfig:
        org = self.service.config.organisation(org_id)
        assert org is not None  # a role names a configured organisation
        return org

    def _limit(self, sender: Sender) -> None:
        """The sender's rate limit, as for every command (a question is a message to
        every counsellor of the organisation)."""
        self.service.limiter.check(crypto.digest(f"{sender.platform}\n{sender.address}".encode()))

    def _text(self, org: OrganisationConfig, text: str) -> tuple[str, int]:
        refuse_broken_text(text)
        return without_invisible(checked_text(text, org.text_limit))

    async def _cases(
        self, sender: Sender, codes: Sequence[str], org_id: str | None
    ) -> tuple[list[str], str]:
        """The named cases, each one the counsellor's own, all of one organisation (the
        one chosen, else the first case's); and that organisation."""
        found: list[str] = []
        first_org = org_id
        for code in codes:
            case_id = parse_case_id(code)
            if case_id is None:
                raise UnknownCase(case=code[: UnknownCase.ECHO_LIMIT])
            case = await self.service.case_for(sender, case_id)
            if not any(
                r.org_id == case.org_id for r in self.service.counsellor_roles(sender)
            ):  # a management party to it, not its counsellor: as for a case not theirs
                raise UnknownCase(case=case_id)
            if first_org is None:
                first_org = case.org_id
            elif case.org_id != first_org:
                raise InvalidInput("signals.other_organisation", case=case.case_id)
            if case.case_id not in found:
                found.append(case.case_id)
        assert first_org is not None  # at least one case
        return found, first_org

    async def _identifying(self, sender: Sender, org_id: str, text: str) -> None:
        """Refuse a text holding a word known to identify the reporter of any open case of
        the counsellor in ``org_id`` (those it draws on among them)."""
        terms: frozenset[str] = frozenset()
        for case in await self.service.cases_of(sender):
            if case.org_id == org_id:
                terms |= await self.service.identifying_terms(case.case_id)
        words = matching_words(self.keys, text, terms)
        if words:
            raise InvalidInput("signals.identifying", words=", ".join(words))

    def _destinations(self, org: OrganisationConfig, to: Sequence[str]) -> tuple[str, ...]:
        known = [d.id for d in org.management]
        if not to:
            return tuple(known)
        for wanted in to:
            if wanted not in known:
                raise InvalidInput(
                    "signals.unknown_destination", destination=wanted, choices=", ".join(known)
                )
        return tuple(dict.fromkeys(to))

    # --- preparing ----------------------------------------------------------------------

    async def prepare_signal(
        self,
        sender: Sender,
        codes: Sequence[str],
        text: str,
        *,
        org: str | None = None,
        to: Sequence[str] = (),
    ) -> Prepared:
        """A signal drawn on the cases ``codes``, checked (see the module's text)."""
        roles = self.service.counsellor_roles(sender)
        if not roles:
            raise InvalidInput("errors.not_allowed_here", command="!signal")
        self._limit(sender)
        if not codes:
            raise InvalidInput("signals.no_cases")
        cases, org_id = await self._cases(sender, codes, org)
        actor = self._counsellor(sender, OutsideStep.SIGNAL, org_id)
        prepared = await self._prepared(sender, OutsideStep.SIGNAL, actor, text, cases, to)
        return replace(prepared, few_reporters=await self._reporters(cases) < prepared.minimum)

    async def _reporters(self, cases: Sequence[str]) -> int:
        """How many people reported ``cases``: the keyed lookups of their routes, told
        apart (a case without a route, closed, as a reporter of its own). The number is
        only compared with the minimum, never shown or kept."""
        reporters = self.service.sealer.reporters
        seen: set[str] = set()
        for case_id in cases:
            routing = await reporters.routing(case_id)
            seen.add(
                f"case:{case_id}"
                if routing is None
                else reporters.lookup(routing.platform, routing.address)
            )
        return len(seen)

    async def prepare_advice(
        self, sender: Sender, text: str, *, org: str | None = None, to: Sequence[str] = ()
    ) -> Prepared:
        """An advice drawing on no case, checked."""
        self._limit(sender)
        actor = self._counsellor(sender, OutsideStep.ADVICE, org)
        return await self._prepared(sender, OutsideStep.ADVICE, actor, text, (), to)

    async def prepare_answer(self, sender: Sender, ref: str, text: str) -> Prepared:
        """The answer to management's question ``ref``, checked."""
        if not self.service.counsellor_roles(sender):
            raise InvalidInput("errors.not_allowed_here", command="!answer")
        self._limit(sender)
        question = await self._question(sender, ref)
        actor = self._counsellor(sender, OutsideStep.ANSWER_ADVICE, question.org_id)
        prepared = await self._prepared(
            sender, OutsideStep.ANSWER_ADVICE, actor, text, (), (question.destination_id,)
        )
        return Prepared(**{**prepared.__dict__, "ref": question.ref})

    async def _prepared(
        self,
        sender: Sender,
        step: OutsideStep,
        actor: CounsellorActor,
        text: str,
        cases: Sequence[str],
        to: Sequence[str],
    ) -> Prepared:
        org = self._org(actor.org_id)
        cleaned, removed = self._text(org, text)
        await self._identifying(sender, org.id, cleaned)
        return Prepared(
            kind=step,
            org_id=org.id,
            counsellor_id=actor.counsellor_id,
            text=cleaned,
            digest=crypto.digest(cleaned.encode("utf-8")),
            cases=tuple(cases),
            minimum=org.min_cell_size,
            destinations=self._destinations(org, to),
            removed=removed,
        )

    async def _question(self, sender: Sender, typed: str) -> NoteRow:
        """Management's question ``typed`` to one of the sender's organisations."""
        ref = typed.strip().upper()
        orgs = {r.org_id for r in self.service.counsellor_roles(sender)}
        rows = await self.kept.rows(ref) if len(ref) <= 12 else []
        asked = [r for r in rows if r.kind == QUESTION and r.org_id in orgs]
        if not asked:
            raise InvalidInput("signals.unknown_reference", ref=typed[:12])
        if any(r.kind == ANSWER for r in rows):
            raise InvalidInput("signals.answered_already", ref=ref)
        return asked[0]

    # --- sending ------------------------------------------------------------------------

    async def send(
        self, sender: Sender, prepared: Prepared, *, digest: str, agreed: Collection[str] = ()
    ) -> str:
        """Check ``prepared`` again and send it, if ``digest`` is its text's and each
        reporter of too few cases agreed; returns its reference."""
        if prepared.kind is OutsideStep.SIGNAL:
            again = await self.prepare_signal(
                sender,
                prepared.cases,
                prepared.text,
                org=prepared.org_id,
                to=prepared.destinations,
            )
        elif prepared.kind is OutsideStep.ADVICE:
            again = await self.prepare_advice(
                sender, prepared.text, org=prepared.org_id, to=prepared.destinations
            )
        else:
            again = await self.prepare_answer(sender, prepared.ref or "", prepared.text)
        if digest != again.digest:
            raise InvalidInput("signals.not_sent")
        missing = [c for c in again.cases if c not in agreed]
        if again.needs_agreement and missing:
            raise InvalidInput(
                "signals.too_few",
                count=counted("signals.count.cases", len(again.cases)),
                minimum=again.minimum,
                cases=", ".join(missing),
            )
        ref = again.ref or await self._new_ref("S")
        await self._commit(again, ref, agreed=again.needs_agreement)
        if again.needs_agreement:  # the agreement, recorded in each case file it concerns
            note = render("signals.agreement_note", self.service.who(sender).locale, ref=ref)
            # the platform event was recorded with the signal: these are its consequences
            with self.service.handling(None):
                for case_id in again.cases:
                    await self.service.act(sender, case_id, Note(text=note))
        return ref

    async def _new_ref(self, prefix: str) -> str:
        """A reference no row has yet, any row (one the service did not write, or that no
        longer checks, still holds the table's key): drawn again while it is taken; a
        draw that keeps meeting taken ones (a table all but full, a generator that
        repeats itself) is lengthened by a random character, so this always ends."""
        inner = self.service.store.inner
        if not isinstance(inner, NoteReader):  # pragma: no cover - every store has them
            return new_ref(prefix)
        ref, tried = new_ref(prefix), 1
        while await inner.notes(ref):
            ref = new_ref(prefix) if tried < _REDRAWS else ref + secrets.choice(_ALPHABET)
            tried += 1
        return ref

    async def _commit(self, p: Prepared, ref: str, *, agreed: bool) -> None:
        org = self._org(p.org_id)
        counsellor = next(c for c in org.counsellors if c.id == p.counsellor_id)
        kind = ANSWER if p.kind is OutsideStep.ANSWER_ADVICE else str(p.kind)
        note = self.kept.note(
            ref, kind, counsellor.id, org, p.destinations[0] if p.ref else "", p.text
        )
        label = "signals.to_management_answer" if p.ref else f"signals.to_management_{p.kind}"
        outbox = [
            self.kept.item(org, "management", d, Message.of(label, p.text, ref=ref))
            for d in p.destinations
        ]
        details = {"ref": ref, "cases": case_band(len(p.cases), p.minimum)}
        if agreed:
            details["agreed"] = "confirmed"
        audit = self.kept.audit(org.id, p.kind, Role.COUNSELLOR, details)
        await self.service.commit(UnitOfWork(notes=[note], outbox=outbox, audit=[audit]))

    async def ask(self, sender: Sender, text: str) -> str:
        """Management's question for advice outside any case; returns its reference."""
        roles: list[ManagementActor] = self.service.management_roles(sender)
        if not roles:
            raise InvalidInput("errors.not_allowed_here", command="!advice")
        self._limit(sender)
        actor = roles[0]
        org = self._org(actor.org_id)
        cleaned, _ = self._text(org, text)
        ref = await self._new_ref("A")
        notes = [
            self.kept.note(ref, QUESTION, c.id, org, actor.destination_id, cleaned)
            for c in org.counsellors
        ]
        destination = next(d for d in org.management if d.id == actor.destination_id)
        outbox = [
            self.kept.item(
                org,
                "counsellor",
                c.id,
                Message.of(
                    "signals.question_to_counsellor",
                    cleaned,
                    ref=ref,
                    destination=destination.name,
                ),
            )
            for c in org.counsellors
        ]
        audit = self.kept.audit(org.id, OutsideStep.ASK_ADVICE, Role.MANAGEMENT, {"ref": ref})
        await self.service.commit(UnitOfWork(notes=notes, outbox=outbox, audit=[audit]))
        return ref
