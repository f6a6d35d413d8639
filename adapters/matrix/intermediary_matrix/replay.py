"""A replayed encrypted message is acted on once, across restarts too.

A homeserver administrator can send any event into any room as anyone on their
server, so also an exact copy of a reporter's old encrypted ``!approve 2``: same
ciphertext, under a new event id (the event id is the server's; only the ciphertext
is hers). It decrypts as a message from her trusted session. matrix-nio refuses a
copy, but remembers what it saw in memory only: after a restart of the bot the copy
was obeyed, and approved whatever text 2 was by then, in another case.

So the bot names an encrypted event not by its event id but by its place in the
sender's Megolm session: the session's Curve25519 sender key, its id and the
message's index (the ratchet position, which decrypting it authenticates). A copy
has the same name, whatever event carries it, in whichever room; the service's table
of handled events (persistent, keyed: ``Service.event_handled``) then refuses it. An
unencrypted event keeps its event id: it carries nothing a copy could forge better.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MegolmPositions"]


class MegolmPositions:
    """The Megolm position of each message matrix-nio decrypted in the current batch."""

    def __init__(self) -> None:
        #: event id -> "megolm:SENDER_KEY|SESSION_ID|INDEX"
        self._names: dict[str, str] = {}
        #: event ids matrix-nio refused as a copy of a message it saw in this run
        self.replayed: set[str] = set()

    def watch(self, olm: Any) -> None:
        """Learn each position from matrix-nio's own replay check (``Olm.message_index_ok``,
        called with the index of every Megolm message it decrypts, and only then)."""
        check = olm.message_index_ok

        def message_index_ok(index: int, event: Any) -> bool:
            fresh = bool(check(index, event))
            if fresh:
                self._names[event.event_id] = (
                    f"megolm:{event.sender_key}|{event.session_id}|{index}"
                )
            else:
                self.replayed.add(event.event_id)
            return fresh

        olm.message_index_ok = message_index_ok

    def name_of(self, event: Any) -> str | None:
        """What ``event`` is handled once as: its Megolm position if it was encrypted,
        else its event id. None for a decrypted event whose position is unknown (it is
        then not acted on at all)."""
        if getattr(event, "decrypted", False):
            return self._names.get(event.event_id)
        return str(event.event_id)

    def forget(self) -> None:
        """After each batch: every event of it was handled (bounded memory)."""
        self._names.clear()
        self.replayed.clear()
