"""The pure protocol core: no I/O, no clock, no keys, no randomness of its own."""

from intermediary.core.actors import (
    Actor,
    CounsellorActor,
    ManagementActor,
    ReporterActor,
    SystemActor,
)
from intermediary.core.case import Case, PendingApproval
from intermediary.core.commands import *  # noqa: F403
from intermediary.core.commands import __all__ as _commands
from intermediary.core.context import Context
from intermediary.core.counsellor_steps import DraftIdentifies, DraftMayIdentify
from intermediary.core.effects import *  # noqa: F403
from intermediary.core.effects import __all__ as _effects
from intermediary.core.guards import Guard
from intermediary.core.ids import (
    CaseId,
    CounsellorId,
    DestinationId,
    OrgId,
    ReporterIndex,
    new_case_id,
    parse_case_id,
)
from intermediary.core.lifecycle import (
    LIFECYCLE,
    SAME,
    Proof,
    Rule,
    next_state,
    proof_of,
    step_of,
)
from intermediary.core.pair import *  # noqa: F403
from intermediary.core.pair import __all__ as _pair
from intermediary.core.policy import (
    Agreement,
    BatchPolicy,
    CounsellorInfo,
    DestinationInfo,
    OrgPolicy,
    ReminderPolicy,
    RetentionPolicy,
    RetentionRule,
)
from intermediary.core.protocol import Transition, is_party, step
from intermediary.core.reminders import Reminder, ReminderKind, due_reminders
from intermediary.core.reporter_steps import ApprovalIdentifies
from intermediary.core.retention import purge_due, report_year
from intermediary.core.states import ACTIVE, State, Step
from intermediary.core.together import Link, ReleaseTogether, Together
from intermediary.core.validation import CONSCIENCE_CONDITIONS, checked_text, text_digest
from intermediary.core.vocabulary import *  # noqa: F403
from intermediary.core.vocabulary import __all__ as _vocabulary

__all__ = [
    "Link",
    "ReleaseTogether",
    "Together",
    "Agreement",
    "ACTIVE",
    "CONSCIENCE_CONDITIONS",
    "LIFECYCLE",
    "SAME",
    "Actor",
    "BatchPolicy",
    "Case",
    "CaseId",
    "Context",
    "CounsellorActor",
    "CounsellorId",
    "CounsellorInfo",
    "DestinationId",
    "DestinationInfo",
    "DraftIdentifies",
    "DraftMayIdentify",
    "Guard",
    "ApprovalIdentifies",
    "ManagementActor",
    "OrgId",
    "OrgPolicy",
    "PendingApproval",
    "Proof",
    "Reminder",
    "ReminderKind",
    "ReminderPolicy",
    "ReporterActor",
    "ReporterIndex",
    "RetentionPolicy",
    "RetentionRule",
    "Rule",
    "State",
    "Step",
    "SystemActor",
    "Transition",
    "checked_text",
    "due_reminders",
    "is_party",
    "next_state",
    "new_case_id",
    "parse_case_id",
    "proof_of",
    "purge_due",
    "report_year",
    "step",
    "step_of",
    "text_digest",
    *_commands,
    *_pair,
    *_effects,
    *_vocabulary,
]
