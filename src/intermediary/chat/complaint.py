"""``!complaint`` (``!klacht``): the counsellor accompanies a formal complaint.

    !complaint [CASE]                                   what is recorded
    !complaint [CASE] STEP BODY [DATE] [note]           a step, with her support
    !complaint [CASE] remind DATE text                  a reminder to herself

STEP is ``filed``, ``hearing``, ``decision``, ``appeal`` or ``ended`` (``ingediend``,
``hoorzitting``, ``uitspraak``, ``beroep``, ``afgerond``), in any language the catalogue
speaks; BODY a referral body by its word or name (``klachtencommissie``); DATE a day as
``2027-01-10`` or ``10-1-2027`` (a step without one is today's). The words are the
catalogue's (``words.stage.*``, ``words.complaint.remind``). Whether the step fits the
complaint as recorded is the core's to say (:mod:`intermediary.core.complaint_steps`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from intermediary.chat.choices import body, normal
from intermediary.chat.parse import Line
from intermediary.core import Case
from intermediary.core.complaint import Complaint, Stage
from intermediary.directory import load_referrals
from intermediary.errors import InvalidInput
from intermediary.service.codec import Sender
from intermediary.service.facade import Service
from intermediary.text import LOCALES, Locale, catalog, render

__all__ = ["complaint_command", "complaint_view", "parse_day", "with_complaint"]

#: a word meant as a day: digits in three groups (a wrong one is refused, not taken as text)
_DAY_LIKE: Final = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_ISO: Final = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY: Final = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
#: a body's name may be several words ("College voor de Rechten van de Mens")
_LONGEST_BODY: Final = 8


def parse_day(word: str) -> date | None:
    """The day ``word`` names, ``None`` when it is not meant as one; a refusal for a word
    that looks like a day and is none (``2027-02-30``, ``10-13-2027``)."""
    if not _DAY_LIKE.fullmatch(word):
        return None
    iso, dmy = _ISO.fullmatch(word), _DMY.fullmatch(word)
    try:
        if iso is not None:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dmy is not None:
            return date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
    except ValueError:
        pass
    raise InvalidInput("errors.complaint_bad_date", typed=word)


def _stage(word: str) -> Stage | None:
    typed = normal(word)
    for stage in Stage:
        if typed in {normal(catalog(o)[f"words.stage.{stage}"]) for o in LOCALES} | {stage}:
            return stage
    return None


def _is_remind(word: str) -> bool:
    return normal(word) in {normal(catalog(o)["words.complaint.remind"]) for o in LOCALES}


def _choices(locale: Locale) -> str:
    words = [catalog(locale)[f"words.stage.{s}"] for s in Stage]
    return ", ".join([*words, catalog(locale)["words.complaint.remind"]])


async def complaint_command(
    service: Service, sender: Sender, case_id: str, line: Line, skip: int, locale: Locale
) -> Case | str:
    """Record what ``line`` says on ``case_id``, or (no words) say what is recorded."""
    words = line.words[skip:]
    case = await service.case_for(sender, case_id)
    if not words:
        return complaint_view(case, locale)
    if _is_remind(words[0]):
        on = parse_day(words[1]) if len(words) > 1 else None
        if on is None:
            raise InvalidInput("errors.complaint_reminder_date")
        text = line.rest(skip + 2)
        return await service.act(sender, case_id, Complaint(remind=True, on=on, text=text))
    stage = _stage(words[0])
    if stage is None:
        raise InvalidInput(
            "errors.complaint_unknown_step", typed=words[0], choices=_choices(locale)
        )
    if len(words) < 2 or parse_day(words[1]) is not None:
        raise InvalidInput("errors.complaint_needs_body", stage=stage)
    policy = next((p for p in service.policies if p.id == case.org_id), None)
    allowed = policy.referral_bodies if policy is not None else load_referrals().slugs
    slug, used = _body(words[1:], allowed, locale)
    after = 1 + used
    on = parse_day(words[after]) if len(words) > after else None
    note = line.rest(skip + after + (on is not None))
    command = Complaint(stage=stage, body=slug, on=on, text=note)
    return await service.act(sender, case_id, command)


def _body(words: tuple[str, ...], allowed: tuple[str, ...], locale: Locale) -> tuple[str, int]:
    """The body the first words name, and how many words that took (the longest run that
    names one); the refusal for the first word when none does."""
    for count in range(min(len(words), _LONGEST_BODY), 1, -1):
        try:
            return body(" ".join(words[:count]), allowed, locale), count
        except InvalidInput:
            continue
    return body(words[0], allowed, locale), 1


def complaint_view(case: Case, locale: Locale) -> str:
    """What the counsellor recorded of the complaint in ``case``: its steps by month,
    oldest first (each day is in the sealed case file), and the days of her reminders
    (their texts come to her on the day)."""
    if not case.complaint and not case.reminders:
        return render("counsellor.complaint_none", locale, case=case.case_id)
    lines = [render("counsellor.complaint_title", locale, case=case.case_id)]
    lines += [
        render(
            "counsellor.complaint_line",
            locale,
            on=s.month,
            stage=s.stage,
            body=_name(s.body, locale),
            seq=s.seq,
        )
        for s in case.complaint
    ]
    if case.reminders:
        days = ", ".join(r.on.isoformat() for r in case.reminders)
        lines.append(render("counsellor.complaint_reminders", locale, days=days))
    return "\n".join(lines)


def _name(slug: str, locale: Locale) -> str:
    """A body's name as the counsellor's messages name it (its slug when unknown)."""
    found = load_referrals().get(slug)
    return found.name.get(locale) if found is not None else slug


def with_complaint(shown: str, case: Case, locale: Locale) -> str:
    """``shown`` (the counsellor's case view), followed by the complaint recorded on
    ``case`` when there is one."""
    if not case.complaint and not case.reminders:
        return shown
    return f"{shown}\n{complaint_view(case, locale)}"
