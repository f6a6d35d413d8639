"""A file, an edit or a deletion in a DM: nothing is taken, and its writer is told.

Slack sends each as a ``message`` event with a ``subtype``. None of them changes what
the service holds (there is no place for files yet, issue 21; an edit must not change
words already sent or approved; a deletion cannot take back what was received), but
the employee must not believe the counsellor has the file, the corrected words, or no
longer has the deleted ones. Slack's own changes to a message (a link preview added),
the bot's own messages, and a change to a file's message (whose writer was already told
that neither the file nor its words were taken) are nobody's to be told about.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["not_taken"]

#: what a DM's subtype means to its writer: the sentence saying it was not taken
_SENTENCES = {
    "file_share": "slack.file_not_received",
    "message_changed": "slack.edit_not_applied",
    "message_deleted": "slack.delete_not_applied",
}


def not_taken(event: Mapping[str, object], subtype: str) -> tuple[str, str] | None:
    """Whom to tell, and the sentence's key, for a DM event of ``subtype``; ``None``
    for any other subtype and for a change that is not the writer's."""
    key = _SENTENCES.get(subtype)
    if key is None:
        return None
    if subtype == "file_share":
        user = event.get("user")
        return (user, key) if isinstance(user, str) and user else None
    after, before = event.get("message"), event.get("previous_message")
    if not isinstance(before, Mapping) or before.get("bot_id"):
        return None
    if before.get("subtype") == "file_share" or before.get("files"):
        return None  # its writer was told it was not taken: nothing was, to change or take back
    if subtype == "message_changed":
        if not isinstance(after, Mapping) or after.get("bot_id"):
            return None
        if after.get("text") == before.get("text"):
            return None  # not an edit of the words
    user = before.get("user")
    return (user, key) if isinstance(user, str) and user else None
