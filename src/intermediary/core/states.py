"""The words of the lifecycle: every state a case can be in, every step it can take.

Who may take which step from which state, and under which conditions, is the table
in :mod:`intermediary.core.lifecycle`. The groups of states below are named here
because the table and the office (reminders, retention, handover) both speak of them.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["ACTIVE", "AFTERCARE", "AFTER_RELAY", "BEFORE_RELAY", "State", "Step"]


class State(enum.StrEnum):
    NEW = "new"  #: before the case exists
    OPEN = "open"
    AWAITING_CONSENT = "awaiting_consent"
    RELAYED = "relayed"
    ACKNOWLEDGED = "acknowledged"
    IN_FOLLOW_UP = "in_follow_up"
    FEEDBACK_GIVEN = "feedback_given"
    CLOSED = "closed"
    #: closed, a check-in with the reporter planned (aftercare): their route still kept
    CHECK_IN_PLANNED = "check_in_planned"
    #: the reporter answered the check-in: the conversation is open again, as aftercare
    AFTERCARE = "aftercare"
    PURGED = "purged"


class Step(enum.StrEnum):
    OPEN_CASE = "open_case"
    MESSAGE = "message"
    APPROVE_RELAY = "approve_relay"
    REJECT_RELAY = "reject_relay"
    APPROVE_MINUTES = "approve_minutes"
    REJECT_MINUTES = "reject_minutes"
    WITHDRAW = "withdraw"
    STOP_CONTACT = "stop_contact"
    REQUEST_MEETING = "request_meeting"
    CHANGE_MODE = "change_mode"
    WIDEN_DISCLOSURE = "widen_disclosure"
    RESUME = "resume"
    REPLY = "reply"
    DRAFT = "draft"
    FLAG_DETAILS = "flag_details"
    MINUTES = "minutes"
    NOTE = "note"
    REFER = "refer"
    CLOSE = "close"
    MEETING_HELD = "meeting_held"
    REVEAL = "reveal"
    LEGAL_DISCLOSURE = "legal_disclosure"
    CONSCIENCE_DISCLOSURE = "conscience_disclosure"
    ACKNOWLEDGE = "acknowledge"
    ASK = "ask"
    FEEDBACK = "feedback"
    PURGE = "purge"
    HOLD = "legal_hold"
    RELEASE_HOLD = "release_hold"
    HANDOVER = "handover"
    SEND_EVIDENCE = "send_evidence"
    COMPLAINT = "complaint"
    TOGETHER = "together"
    HOLD_RELAY = "hold_relay"
    LINK = "link"
    RELEASE_TOGETHER = "release_together"
    PAIR_ASK = "pair_ask"
    PAIR_ANSWER = "pair_answer"
    PAIR_ADD = "pair_add"
    PAIR_REMOVE = "pair_remove"
    CLOSE_WITH_AFTERCARE = "close_with_aftercare"
    CHECK_IN = "check_in"
    END_AFTERCARE = "end_aftercare"
    DECLINE_AFTERCARE = "decline_aftercare"


S = State
#: a case still with the counsellor: management has not been told of it
BEFORE_RELAY: Final = (S.OPEN, S.AWAITING_CONSENT)
#: a case management has been told of, not yet closed
AFTER_RELAY: Final = (S.RELAYED, S.ACKNOWLEDGED, S.IN_FOLLOW_UP, S.FEEDBACK_GIVEN)
#: every state of a case that is open
ACTIVE: Final = BEFORE_RELAY + AFTER_RELAY
#: a case closed with a check-in planned, and a case reopened by the reporter's answer:
#: the route to the reporter is kept (sealed) in both, and forgotten when they end
AFTERCARE: Final = (S.CHECK_IN_PLANNED, S.AFTERCARE)
