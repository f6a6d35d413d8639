"""An edit or a deletion in a DM: nothing is taken, and its writer is told.

Slack sends each as a ``message`` event with a ``subtype``. Neither changes what the
service holds (an edit must not change words already sent or approved; a deletion
cannot take back what was received), but the employee must not believe the counsellor
has the corrected words, or no longer has the deleted ones. Slack's own changes to a
message (a link preview added), the bot's own messages, and a change to a file's
message are nobody's to be told about: a file is taken as evidence
(:mod:`intermediary_slack.evidence`), its writer told that the words with it were not
passed on and that deleting it in Slack deletes Slack's copy, not the counsellor's.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["not_taken"]

#: what a DM's subtype means to its writer: the sentence saying it was not taken
_SENTENCES = {
    "message_changed": "slack.edit_not_applied",
    "message_deleted": "slack.delete_not_applied",
}


def not_taken(event: Mapping[str, object], subtype: str) -> tuple[str, str] | None:
    """Whom to tell, and the sentence's key, for a DM event of ``subtype``; ``None``
    for any other subtype and for a change that is not the writer's."""
    key = _SENTENCES.get(subtype)
    if key is None:
        return None
    after, before = event.get("message"), event.get("previous_message")
    if not isinstance(before, Mapping) or before.get("bot_id"):
        return None
    if before.get("subtype") == "file_share" or before.get("files"):
        return None  # a file: its words were not taken, and Slack's copy is Slack's
    if subtype == "message_changed":
        if not isinstance(after, Mapping) or after.get("bot_id"):
            return None
        if after.get("text") == before.get("text"):
            return None  # not an edit of the words
    user = before.get("user")
    return (user, key) if isinstance(user, str) and user else None
