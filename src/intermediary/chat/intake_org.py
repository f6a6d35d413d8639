"""Which organisation a reporter belongs to, without telling strangers who the clients are.

An external counsellor may serve several organisations from one installation. Listing
them to whoever writes would tell a stranger the counsellor's client list (issue 18). So
the organisation is decided, in this order, from:

1. the installation, when it serves one organisation;
2. an invitation code the reporter typed (``invitation_code`` of an organisation, handed
   out by it on its intranet): remembered in memory for this sender, like a form;
3. the configuration naming the sender (a counsellor or manager of one organisation);
4. the platform: a Matrix user's homeserver (the part after ``:``) listed in an
   organisation's ``homeservers``; the Slack workspace (team id) a user writes from,
   as the adapter tells it (:meth:`OrganisationFinder.organisation_of`), listed in an
   organisation's ``slack_teams``.

When none of these names exactly one organisation, the reporter is asked for the
invitation code, and an unknown code is refused without naming any organisation.
Guesses go through the service's rate limit.
"""

from __future__ import annotations

import hmac

from intermediary import crypto
from intermediary.chat.base import FrontEndBase
from intermediary.core import OrgPolicy
from intermediary.errors import InvalidInput
from intermediary.service.codec import Sender
from intermediary.service.facade import Service

__all__ = ["OrganisationFinder"]

Key = tuple[str, str]


class OrganisationFinder(FrontEndBase):
    """Mixin: the organisation of a reporter, as far as the platform and they tell it."""

    def __init__(self, service: Service, *, prefix: str = "!") -> None:
        super().__init__(service, prefix=prefix)
        #: the organisation each sender named by its invitation code; memory only
        self._codes: dict[Key, str] = {}
        #: the Slack workspace (team id) each sender last wrote from; memory only
        self._teams: dict[Key, str] = {}

    def organisation_of(self, sender: Sender, team: str = "") -> OrgPolicy | None:
        """The organisation of ``sender``, or ``None`` when nothing names exactly one.
        ``team`` is the workspace the platform says they write from (Slack's team id of
        a signed request), remembered for their next lines."""
        key = (sender.platform, sender.address)
        if team:
            self._teams[key] = team
        return self._organisation(sender, key)

    def _organisation(self, sender: Sender, key: Key) -> OrgPolicy | None:
        """The sender's organisation, if the installation or the platform tells it."""
        policies = self.service.policies
        if len(policies) == 1:
            return policies[0]
        chosen = self._codes.get(key)
        if chosen is None:
            found = set(self.service.parties.organisations_of(sender.address))
            if not found:
                found = self._by_platform(sender, key)
            chosen = found.pop() if len(found) == 1 else None
        return next((p for p in policies if p.id == chosen), None)

    def _by_platform(self, sender: Sender, key: Key) -> set[str]:
        """The organisations whose Matrix homeserver or Slack workspace the sender's is."""
        organisations = self.service.config.organisations
        if sender.platform == "matrix":
            server = sender.address.partition(":")[2].lower()
            return {
                o.id
                for o in organisations
                if server and server in (h.lower() for h in o.homeservers)
            }
        team = self._teams.get(key, "")
        return {o.id for o in organisations if team and team in o.slack_teams}

    def _organisation_named(self, sender: Sender, key: Key, typed: str) -> str:
        """The organisation id of an invitation code (or of the sender's own
        organisation's id); refused without naming any other."""
        own = self._organisation(sender, key)
        word = typed.strip()
        if own is not None and word == own.id:
            return own.id
        self.service.limiter.check(crypto.digest(f"{sender.platform}\n{sender.address}".encode()))
        for org in self.service.config.organisations:
            code = org.invitation_code
            if code and hmac.compare_digest(code.casefold().encode(), word.casefold().encode()):
                self._codes[key] = org.id
                return org.id
        if own is not None:  # one organisation is known: saying its id tells nothing new
            raise InvalidInput(
                "errors.unknown_organisation", organisation=word or "-", choices=own.id
            )
        raise InvalidInput("reporter.unknown_invitation")
