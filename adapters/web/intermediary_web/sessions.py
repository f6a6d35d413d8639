"""Sessions of the web page: in memory only, short-lived, bound to one case at most.

No accounts and no session table: a session is a random id in a cookie and an entry in
this process's memory, forgotten after some idle minutes, four hours after it was made
however busy, when the reporter leaves, or when the service restarts (they come back
with their case code and receipt phrase).
A session is bound to a case once: opening a case or coming back with its code makes a
*new* session (a new id), so an id seen before that moment opens nothing.

Every form carries a token of its session, good for one submission: a form from
another site has none (its request also carries no cookie: ``SameSite=Strict``), and a
form sent twice (replayed, or the back button) is refused the second time.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from intermediary.service.codec import Sender

__all__ = ["FORM_TOKENS", "Session", "Sessions"]

#: the open forms a session remembers (tabs, the back button); older ones expire
FORM_TOKENS = 32


@dataclass
class Session:
    id: str
    last_seen: float
    #: the case this session is bound to, and who the reporter is to the service
    case_id: str | None = None
    sender: Sender | None = None
    tokens: deque[str] = field(default_factory=lambda: deque(maxlen=FORM_TOKENS))
    #: when it was made: a session in use lives at most :attr:`Sessions.longest_seconds`
    made: float = 0.0

    def issue(self) -> str:
        """A token for one form of this session."""
        token = secrets.token_urlsafe(24)
        self.tokens.append(token)
        return token

    def spend(self, token: str) -> bool:
        """Whether ``token`` is one of this session's open forms; it is spent."""
        for known in list(self.tokens):
            if hmac.compare_digest(known.encode(), token.encode()):
                self.tokens.remove(known)
                return True
        return False


class Sessions:
    """The sessions of this process, forgotten after ``idle_seconds`` without use."""

    def __init__(
        self,
        idle_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        most: int = 20_000,
        longest_seconds: float = 4 * 3600,
    ) -> None:
        self.idle_seconds = idle_seconds
        #: however busy: a session left open on a shared computer does not live on
        self.longest_seconds = longest_seconds
        self.clock = clock
        self.most = most
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def get(self, session_id: str | None) -> Session | None:
        """The live session of ``session_id``, its idle time restarted; None if there
        is none (never was, expired, left)."""
        self._expire()
        found = self._sessions.get(session_id or "")
        if found is None:
            return None
        if self.clock() - found.made >= self.longest_seconds:
            del self._sessions[found.id]
            return None
        found.last_seen = self.clock()
        self._sessions.move_to_end(found.id)
        return found

    def new(self, case_id: str | None = None, sender: Sender | None = None) -> Session:
        self._expire()
        while len(self._sessions) >= self.most:  # bounded memory: the oldest goes,
            # one not bound to a case first: a flood of visits logs no reporter out
            unbound = next((s for s in self._sessions.values() if s.case_id is None), None)
            if unbound is None:
                self._sessions.popitem(last=False)
            else:
                del self._sessions[unbound.id]
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), now, case_id, sender, made=now)
        self._sessions[session.id] = session
        return session

    def drop(self, session: Session) -> None:
        self._sessions.pop(session.id, None)

    def __len__(self) -> int:
        return len(self._sessions)

    def _expire(self) -> None:
        cutoff = self.clock() - self.idle_seconds
        while self._sessions:
            oldest = next(iter(self._sessions.values()))
            if oldest.last_seen > cutoff:
                break
            self._sessions.popitem(last=False)
