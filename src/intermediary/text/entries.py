"""A stored case-file entry as its reader reads it: the labels of a feedback record
(and of an approval or rejection) in the reader's language.

Management's feedback is stored as four labelled lines in English (``assessment: …``,
``action (planned): …``, ``grounds: …``, ``more to follow: no``; see
``core/management_steps.py``). That stored text stays as it is: old case files hold
it and the entries' MACs cover it. Only its showing changes: each line whose label is
recognised is shown with the reader's label; any other line (an assessment of several
lines, an entry of another kind, a format of the future) is shown exactly as stored.
"""

from __future__ import annotations

import re

from intermediary.core.evidence import read_entry_text, shown_size
from intermediary.text import Locale, render

__all__ = ["FEEDBACK", "shown_entry"]

#: the kind of entry whose labels are read
FEEDBACK = "feedback"
#: the stored word of an action (``_ACTION_WORD`` of the core) → its ``words.action`` key
_ACTIONS = {"taken": "taken", "planned": "envisaged", "envisaged": "envisaged", "none": "none"}
_LABELLED = re.compile(r"^(assessment|grounds): (.*)$")
_ACTION = re.compile(r"^action \((taken|planned|envisaged|none)\): (.*)$")
_MORE = re.compile(r"^more to follow: (yes|no)$")
#: a reporter's approval and rejection (``core/reporter_steps.py``), stored in English too
_APPROVED = re.compile(r"^approved (relay|minutes) (\d+) (\S+) (\S+)$")
_REJECTED = re.compile(r"^rejected (relay|minutes) (\d+): (.*)$", re.DOTALL)
#: a formal complaint's step and a reminder the counsellor set (``core/complaint_steps.py``)
_COMPLAINT = re.compile(r"^complaint ([a-z]+) at (\S+) on ([0-9-]+)(?:: (.*))?$", re.DOTALL)
_REMINDER = re.compile(r"^reminder on ([0-9-]+): (.*)$", re.DOTALL)


def _line(line: str, locale: Locale) -> str:
    if found := _LABELLED.match(line):
        label, text = found.groups()
        return render(f"entries.feedback.{label}", locale, text=text)
    if found := _ACTION.match(line):
        word, text = found.groups()
        action = render(f"words.action.{_ACTIONS[word]}", locale)
        action = action[:1].upper() + action[1:]
        if word == "none" and text == "-":
            return action
        return render("entries.feedback.action", locale, action=action, text=text)
    if found := _MORE.match(line):
        return render(f"words.more_to_follow.{found.group(1)}", locale)
    return line


def shown_entry(kind: str, text: str, locale: Locale) -> str:
    """The stored ``text`` of an entry of ``kind`` as a reader of ``locale`` reads it."""
    if str(kind) == "evidence":  # a file: its name and what it is, never its bytes
        name, evidence = read_entry_text(text)
        removed = ", ".join(render(f"evidence.removed.{w}", locale) for w in evidence.removed)
        return render(
            "evidence.opened",
            locale,
            name=name,
            filetype=render(f"evidence.filetype.{evidence.kind}", locale),
            size=shown_size(evidence.size),
            removed=removed or render("evidence.removed.none", locale),
        )
    if str(kind) == "complaint" and (found := _COMPLAINT.match(text)):
        stage, body, on, note = found.groups()
        said = render("entries.complaint_step", locale, stage=stage, body=body, on=on)
        return f"{said}: {note}" if note else said
    if str(kind) == "complaint" and (found := _REMINDER.match(text)):
        return render("entries.complaint_reminder", locale, on=found[1], text=found[2])
    if str(kind) == "approval" and (found := _APPROVED.match(text)):
        item, number, digest, when = found.groups()
        shown = render(f"entries.item.{item}", locale, number=number)  # its number inside
        return render("entries.approved", locale, item=shown, digest=digest, when=when)
    if str(kind) == "rejection" and (found := _REJECTED.match(text)):
        item, number, reason = found.groups()
        shown = render(f"entries.item.{item}", locale, number=number)
        return render("entries.rejected", locale, item=shown, reason=reason or "-")
    if str(kind) != FEEDBACK:
        return text
    return "\n".join(_line(line, locale) for line in text.split("\n"))
