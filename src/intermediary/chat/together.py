"""Going together in the chat: ``!together K`` / ``!nottogether`` for the reporter
(``!samen``, ``!nietsamen``), ``!link CASE CASE`` / ``!unlink CASE`` for the counsellor
(``!koppel``, ``!ontkoppel``). What they mean is :mod:`intermediary.core.together`'s;
the two-case work of a link is :mod:`intermediary.service.together`'s."""

from __future__ import annotations

import secrets

from intermediary.chat.aliases import command_word
from intermediary.chat.parse import Line
from intermediary.core import parse_case_id
from intermediary.core.together import MAX_TOGETHER, Link, Together, check_link
from intermediary.errors import InvalidInput
from intermediary.service.codec import Sender
from intermediary.service.events import CURRENT_EVENT
from intermediary.service.facade import Service
from intermediary.text import Locale, render

__all__ = ["link_command", "together_command"]


async def together_command(service: Service, sender: Sender, case_id: str, line: Line) -> None:
    """``!together K`` (wait for K reports in all) or ``!nottogether`` on ``case_id``."""
    if line.command == "nottogether":
        await service.act(sender, case_id, Together(k=0))
        return
    typed = line.words[0] if line.words else ""
    if not typed.isdigit() or len(typed) > 3:
        raise InvalidInput("errors.together_k", typed=typed or "-", most=MAX_TOGETHER)
    await service.act(sender, case_id, Together(k=int(typed)))


async def link_command(
    service: Service, sender: Sender, line: Line, room_case: str | None, locale: Locale
) -> list[str]:
    """``!link CASE CASE`` (in a case room, ``!link CASE`` links it to the room's case)
    and ``!unlink CASE``; the answer for the counsellor."""
    codes = [str(parse_case_id(w)) for w in line.words if parse_case_id(w) is not None]
    if room_case is not None and len(codes) < (2 if line.command == "link" else 1):
        codes.insert(0, str(parse_case_id(room_case) or room_case))
    word = command_word(str(line.command), locale)
    if line.command == "unlink":
        if not codes:
            raise InvalidInput("errors.together_usage", example=f"!{word} VP-7KQ3-M2XD")
        await unlink(service, sender, codes[0])
        return [render("counsellor.together_unlinked", locale, case=codes[0])]
    if len(codes) != 2:
        raise InvalidInput("errors.together_usage", example=f"!{word} VP-7KQ3-M2XD VP-9XW4-T6PB")
    await link(service, sender, codes[0], codes[1])
    return [render("counsellor.together_linked", locale, case=codes[0], other=codes[1])]


async def link(service: Service, sender: Sender, first: str, second: str) -> str:
    """Link the cases ``first`` and ``second`` as the counsellor ``sender``; the group id
    (shown to nobody: it is only the same for the cases it links). Random, derived from
    nothing; an existing group is joined (service/together.py says why two commits)."""
    one = await service.case_for(sender, first)
    two = await service.case_for(sender, second)
    check_link(one, two)
    group = one.group or two.group or secrets.token_hex(8)
    # two commits for one platform event: each records a key of its own, or the second
    # would be refused as the event handled twice (a redelivery finds the first done)
    event = CURRENT_EVENT.get()
    for n, case in enumerate((two, one)):
        if case.group != group:
            with service.handling(f"{event}#link{n}" if event else None):
                await service.act(sender, case.case_id, Link(group=group))
    return group


async def unlink(service: Service, sender: Sender, case_id: str) -> None:
    """Take ``case_id`` out of its group as the counsellor ``sender``."""
    case = await service.case_for(sender, case_id)
    await service.act(sender, case.case_id, Link(group=""))
