"""``!pair``: two counsellors on one case, as the chat speaks it (``!duo`` in Dutch).

The counsellor: ``!pair CASE add COUNSELLOR`` asks the reporter's consent for a second
counsellor, ``!pair CASE remove COUNSELLOR`` removes one of the two (herself included),
``!pair CASE`` shows who works on the case. The reporter: ``!pair yes`` or ``!pair no``
answers, ``!pair`` shows who works on their case (by name). Sharing the key is done on a
counsellor's own machine (``intermediary keys share``), as a handover is.
"""

from __future__ import annotations

from intermediary.chat.choices import normal
from intermediary.core import AnswerPair, AskPair, Case, RemovePair
from intermediary.core.pair_steps import holders
from intermediary.errors import InvalidInput
from intermediary.service.codec import Sender
from intermediary.service.facade import Service
from intermediary.text import LOCALES, Locale, catalog, render

__all__ = ["counsellor_pair", "reporter_pair", "working_on"]


def _sub(word: str) -> str:
    """The own name (add, remove, yes, no) of a sub-word typed in any language."""
    typed = normal(word)
    for locale in LOCALES:
        for own in ("add", "remove", "yes", "no"):
            if normal(catalog(locale).get(f"words.pair.{own}", own)) == typed:
                return own
    return typed


def working_on(service: Service, case: Case) -> str:
    """The names of the counsellors who work on ``case``, for the reporter to read."""
    names = {c.id: c.name for c in service.policy(case.org_id).counsellors}
    return ", ".join(names.get(cid, cid) for cid in holders(case))


async def counsellor_pair(
    service: Service, sender: Sender, case_id: str, words: tuple[str, ...], locale: Locale
) -> Case | str:
    """A counsellor's ``!pair`` on ``case_id`` (``words``: what follows the case code)."""
    if not words:
        case = await service.case_for(sender, case_id)
        who = render(
            "pair.counsellor_who", locale, case=case.case_id, names=", ".join(holders(case))
        )
        return who
    action = _sub(words[0])
    if action == "add" and len(words) == 2:
        return await service.act(sender, case_id, AskPair(counsellor=words[1]))
    if action == "remove" and len(words) <= 2:
        return await service.act(sender, case_id, RemovePair(counsellor="".join(words[1:])))
    raise InvalidInput("pair.counsellor_usage")


async def reporter_pair(
    service: Service, sender: Sender, case_id: str, words: tuple[str, ...], locale: Locale
) -> list[str]:
    """A reporter's ``!pair``: an answer (yes, no), or who works on the case."""
    if not words:
        case = await service.case_for(sender, case_id)
        shown = [
            render("pair.reporter_who", locale, case=case.case_id, names=working_on(service, case))
        ]
        if case.pair_asked is not None:
            asked = {c.id: c.name for c in service.policy(case.org_id).counsellors}
            second = asked.get(case.pair_asked, case.pair_asked)
            shown.append(render("pair.reporter_who_asked", locale, second=second))
        return shown
    answer = _sub(words[0])
    if answer not in ("yes", "no") or len(words) > 1:
        raise InvalidInput("pair.reporter_usage")
    await service.act(sender, case_id, AnswerPair(agree=answer == "yes"))
    return []
