"""The reminders a counsellor sets herself, kept so that only the service can read them.

A reminder's day is the case's metadata (the reminders round must find it without a
key); its text is the counsellor's own words, kept twice: in the sealed case file (the
entry the step writes, which only the case key opens) and here, under the service's
operational key and the case's shred key, bound to the case, the reminder's number and
its day, so that on that day the service can tell her what she wrote. Purging the case
destroys the shred key, and the text with it; a text moved to another case or reminder
(a database edit) does not open.
"""

from __future__ import annotations

import base64
from dataclasses import replace

from intermediary import crypto
from intermediary.core import Case
from intermediary.core.complaint import CounsellorReminder
from intermediary.errors import IntegrityError

__all__ = ["reminder_text", "seal_reminders"]

_PURPOSE = "counsellor_reminder"


def _aad(case_id: str, reminder: CounsellorReminder) -> bytes:
    return f"{case_id}|{reminder.seq}|{reminder.on.isoformat()}".encode()


def seal_reminders(keys: crypto.ServiceKeys, case: Case, shred: bytes) -> Case:
    """``case`` with the text of each reminder just set sealed, and left out in the clear."""
    if not any(r.text for r in case.reminders):
        return case
    sealed = tuple(
        replace(
            r,
            text="",
            sealed=base64.b64encode(
                crypto.op_encrypt(
                    keys, _PURPOSE, _aad(case.case_id, r), r.text.encode(), shred=shred
                )
            ).decode("ascii"),
        )
        if r.text
        else r
        for r in case.reminders
    )
    return replace(case, reminders=sealed)


def reminder_text(
    keys: crypto.ServiceKeys, case: Case, reminder: CounsellorReminder, shred: bytes
) -> str:
    """The text of a reminder as the counsellor wrote it; :class:`IntegrityError` when it
    does not open (edited, moved, or its case purged)."""
    if reminder.text:
        return reminder.text
    try:
        blob = base64.b64decode(reminder.sealed, validate=True)
    except ValueError:
        raise IntegrityError(what="reminder") from None
    opened = crypto.op_decrypt(keys, _PURPOSE, _aad(case.case_id, reminder), blob, shred=shred)
    return opened.decode("utf-8")
