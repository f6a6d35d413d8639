"""The step of a file the reporter sends: recorded sealed, never relayed.

Whether the step may be taken (party, role, state) is the table's
(:mod:`intermediary.core.lifecycle`); this builds what it does. The counsellor is told
in her case conversation, with the command that writes the file out on her own
machine; the reporter is told what was removed before it was kept. The audit chain
records the kind and a size band, never a name or the exact size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from intermediary.core.building import entry, to_counsellor, to_reporter
from intermediary.core.case import Case
from intermediary.core.context import Context
from intermediary.core.effects import Audit, Effect
from intermediary.core.evidence import (
    SendEvidence,
    checked,
    entry_text,
    next_name,
    shown_size,
    size_band,
)
from intermediary.core.states import Step
from intermediary.core.vocabulary import EntryKind, Role

__all__ = ["HANDLERS", "send_evidence"]

Result = tuple[Case, Sequence[Effect]]


def send_evidence(case: Case, cmd: SendEvidence, ctx: Context) -> Result:
    evidence = checked(cmd.evidence)
    case, name = next_name(case, evidence.kind)
    case, record = entry(case, EntryKind.EVIDENCE, Role.REPORTER, entry_text(name, evidence))
    about = {
        "name": name,
        "filetype": evidence.kind,
        "size": shown_size(evidence.size),
        "removed": ",".join(evidence.removed) or "none",
    }
    effects: list[Effect] = [
        record,
        Audit.of(
            "evidence_received",
            case=case.case_id,
            type=evidence.kind,
            size=size_band(evidence.size),
        ),
    ]
    if case.contact_stopped:  # as a message: the reporter writing again restarts contact
        case = replace(case, contact_stopped=False)
        effects.append(Audit.of("contact_resumed", case=case.case_id))
    effects += [
        to_counsellor(case, "counsellor.evidence", **about),
        to_reporter(case, "reporter.evidence", **about),
    ]
    return case, effects


HANDLERS: dict[Step, Callable[[Any, Any, Context], Result]] = {
    Step.SEND_EVIDENCE: send_evidence,
}
