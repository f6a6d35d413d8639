"""Two counsellors on one case (issue 21, item 2): the commands.

With the reporter's consent a second counsellor of the organisation (an internal and an
external one, or a deputy during leave) holds the case key beside the first: the
counsellor asks (:class:`AskPair`), the reporter agrees or not (:class:`AnswerPair`),
then the counsellor shares the case key on her own machine (:class:`AddPair`, proven by
her key, as a handover is). Either one can be removed (:class:`RemovePair`), by the
other or by herself: the service then replaces the case key, so the removed counsellor
reads nothing written after (docs/PROTOCOL.md, "Two counsellors on one case").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

from intermediary.core.actors import (
    NOBODY_COUNSELLOR,
    NOBODY_REPORTER,
    CounsellorActor,
    ReporterActor,
)
from intermediary.core.ids import CaseId

__all__ = ["AddPair", "AnswerPair", "AskPair", "PairCommand", "RemovePair"]

_NO_CASE: Final = CaseId("")


@dataclass(frozen=True, kw_only=True)
class AskPair:
    """The counsellor asks the reporter's consent to add ``counsellor`` (an id)."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = _NO_CASE
    counsellor: str = ""

    EXPLAINED: ClassVar[str] = (
        "The counsellor asks the reporter whether a second counsellor of the organisation "
        "(named) may work on the case with her; nothing changes until the reporter agrees."
    )


@dataclass(frozen=True, kw_only=True)
class AnswerPair:
    """The reporter agrees (or not) to the second counsellor asked for."""

    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = _NO_CASE
    agree: bool = False

    EXPLAINED: ClassVar[str] = (
        "The reporter agrees, or does not, that the second counsellor named may work on "
        "the case; a refusal adds nobody."
    )


@dataclass(frozen=True, kw_only=True)
class AddPair:
    """The counsellor shares the case key with ``counsellor``, whom the reporter agreed
    to (the key sealed to them on her own machine)."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = _NO_CASE
    counsellor: str = ""

    EXPLAINED: ClassVar[str] = (
        "With her key, on her own machine, the counsellor gives the second counsellor the "
        "reporter agreed to the case key: from then on both read the case and both "
        "receive the reporter's messages."
    )


@dataclass(frozen=True, kw_only=True)
class RemovePair:
    """A counsellor of the case removes ``counsellor`` (the other one, or herself)."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = _NO_CASE
    counsellor: str = ""

    EXPLAINED: ClassVar[str] = (
        "One of the two counsellors removes the other, or herself. The service makes the "
        "case a new key for the one who stays: the removed counsellor keeps what she "
        "could already read and reads nothing written after."
    )


#: the commands of this module, as one member of the core's ``Command`` union
PairCommand = AskPair | AnswerPair | AddPair | RemovePair
