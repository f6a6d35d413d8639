"""Who is who on one platform: the one answer a front end asks for.

A front end knows platform addresses (a Slack user id, a Matrix room id); the service
knows from its configuration which of them are counsellors and management, and in
which organisation and language. An adapter asks here instead of reading the
configuration or the store, so that who-may-do-what is decided in one place and a
front end works the same for one organisation or many.

The service asks here too: which roles a sender holds (:meth:`Parties.counsellor_roles`,
:meth:`Parties.management_roles`), and whether they counsel a stored case, so that a
purged case is told apart only to its own counsellor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from intermediary.config import OrganisationConfig, ServiceConfig
from intermediary.core import (
    Actor,
    CounsellorActor,
    CounsellorId,
    DestinationId,
    ManagementActor,
    OrgId,
    Role,
    SystemActor,
)
from intermediary.errors import ConfigError
from intermediary.service.codec import Sender
from intermediary.store import CaseRow
from intermediary.text import Locale

__all__ = [
    "WEB",
    "Counsellor",
    "ManagementPlace",
    "Parties",
    "Who",
    "is_counsellor_of",
    "platform_address",
]


#: the platform of the web front end (adapters/web): reporters only. Nobody configured
#: has an address on it, so whoever writes there is a reporter, and the service's own
#: messages to counsellors and management go to the installation's other front end
WEB = "web"


def platform_address(addresses: dict[str, str], fallback: str, platform: str) -> str | None:
    """A configured party's address on ``platform`` (the console uses their ids)."""
    return addresses.get(platform, fallback if platform == "console" else None)


@dataclass(frozen=True)
class Counsellor:
    """A counsellor as a front end reaches them."""

    org_id: OrgId
    counsellor_id: CounsellorId
    address: str
    locale: Locale


@dataclass(frozen=True)
class ManagementPlace:
    """Where one management destination reads relays (a channel, a room), and who may
    act there for it."""

    org_id: OrgId
    destination_id: DestinationId
    name: str
    address: str
    members: tuple[str, ...]
    locale: Locale


@dataclass(frozen=True)
class Who:
    """What one address is to the service: counsellor of some organisations, management
    of some destinations, or (when neither) a possible reporter."""

    counsellor: tuple[CounsellorActor, ...]
    management: tuple[ManagementActor, ...]
    locale: Locale

    @property
    def is_reporter(self) -> bool:
        return not self.counsellor and not self.management


class Parties:
    """The configured parties of one platform, read-only."""

    def __init__(self, config: ServiceConfig, platform: str) -> None:
        self._config = config
        self.platform = platform

    @property
    def organisations(self) -> Sequence[OrganisationConfig]:
        return self._config.organisations

    def organisation(self, org_id: str) -> OrganisationConfig | None:
        return self._config.organisation(org_id)

    def counsellors(self, org_id: str | None = None) -> list[Counsellor]:
        """Counsellors reachable on this platform (of one organisation, or all)."""
        found = []
        for o in self._config.organisations:
            for c in o.counsellors if org_id is None or o.id == org_id else ():
                address = platform_address(c.addresses, c.id, self.platform)
                if address is not None:
                    locale = c.locale or o.locale
                    found.append(Counsellor(OrgId(o.id), CounsellorId(c.id), address, locale))
        return found

    def counsellor(self, org_id: str, counsellor_id: str) -> Counsellor | None:
        return next((c for c in self.counsellors(org_id) if c.counsellor_id == counsellor_id), None)

    def places(self) -> list[ManagementPlace]:
        """Every management destination on this platform, in configuration order (two
        destinations may share a channel or room)."""
        found = []
        for o in self._config.organisations:
            for d in o.management:
                address = platform_address(d.addresses, d.id, self.platform)
                if address is not None:
                    members = tuple(d.members.get(self.platform, []))
                    locale = d.locale or o.locale
                    place = ManagementPlace(
                        OrgId(o.id), DestinationId(d.id), d.name, address, members, locale
                    )
                    found.append(place)
        return found

    def management_places(self) -> dict[str, ManagementPlace]:
        """Management destinations on this platform, by their channel or room address
        (of two sharing one, the later)."""
        return {p.address: p for p in self.places()}

    def people(self, org_id: str | None = None) -> set[str]:
        """Everyone the configuration names on this platform: counsellors and the
        members of management destinations."""
        found = {c.address for c in self.counsellors(org_id)}
        for place in self.management_places().values():
            if org_id is None or place.org_id == org_id:
                found.update(place.members)
        return found

    def place_of(self, actor: ManagementActor) -> ManagementPlace | None:
        """Where the management destination ``actor`` acts for reads relays."""
        return next(
            (
                p
                for p in self.management_places().values()
                if (p.org_id, p.destination_id) == (actor.org_id, actor.destination_id)
            ),
            None,
        )

    def organisations_of(self, address: str) -> list[str]:
        """The organisations whose configuration names ``address``."""
        return [o.id for o in self._config.organisations if address in self.people(o.id)]

    def allow_unencrypted_dm(self) -> bool:
        """Whether every organisation allows reporters to write unencrypted."""
        return all(o.allow_unencrypted_dm for o in self._config.organisations)

    # --- the roles of one sender ------------------------------------------------------

    def check_addresses(self) -> None:
        """Refuse a configuration naming a party with no address on this platform: they
        could never be reached, nor recognised when they write. On the web (reporters
        only) nobody configured is reached or recognised: nothing to check."""
        if self.platform == WEB:
            return
        for org in self._config.organisations:
            parties = [(c.id, c.addresses) for c in org.counsellors]
            parties += [(d.id, d.addresses) for d in org.management]
            for party_id, addresses in parties:
                if platform_address(addresses, party_id, self.platform) is None:
                    raise ConfigError(
                        detail=f"{org.id}: {party_id} has no address for platform {self.platform!r}"
                    )

    def counsellor_roles(self, sender: Sender) -> list[CounsellorActor]:
        """The organisations ``sender`` counsels for (by configuration)."""
        return [
            CounsellorActor(OrgId(o.id), CounsellorId(c.id))
            for o in self._config.organisations
            for c in o.counsellors
            if sender.platform == self.platform
            and platform_address(c.addresses, c.id, self.platform) == sender.address
        ]

    def management_roles(self, sender: Sender) -> list[ManagementActor]:
        """The management destinations ``sender`` is (by configuration)."""
        return [
            ManagementActor(OrgId(o.id), DestinationId(d.id))
            for o in self._config.organisations
            for d in o.management
            if sender.platform == self.platform
            and platform_address(d.addresses, d.id, self.platform) == sender.address
        ]

    def role_of(self, sender: Sender) -> Role:
        """The sender's role in general: configured parties, else a reporter."""
        if self.counsellor_roles(sender):
            return Role.COUNSELLOR
        if self.management_roles(sender):
            return Role.MANAGEMENT
        return Role.REPORTER

    def who(self, sender: Sender) -> Who:
        """Everything ``sender`` is to this platform's parties, in one answer."""
        counsellor = tuple(self.counsellor_roles(sender))
        management = tuple(self.management_roles(sender))
        locale: Locale = self._config.organisations[0].locale
        if counsellor:
            found = self.counsellor(counsellor[0].org_id, counsellor[0].counsellor_id)
            locale = found.locale if found else locale
        elif management:
            place = self.place_of(management[0])
            locale = place.locale if place else locale
        return Who(counsellor, management, locale)

    def counsels(self, sender: Sender) -> Callable[[CaseRow], bool]:
        """Whether ``sender`` is (by configuration) the counsellor of a case row."""
        mine = {(c.org_id, c.counsellor_id) for c in self.counsellor_roles(sender)}
        return lambda row: (row.org_id, row.counsellor_id) in mine


def is_counsellor_of(actor: Actor) -> Callable[[CaseRow], bool]:
    """Whether ``actor`` counsels a case row (the service itself: every one)."""
    if isinstance(actor, SystemActor):
        return lambda row: True
    if isinstance(actor, CounsellorActor):
        return lambda row: (row.org_id, row.counsellor_id) == (actor.org_id, actor.counsellor_id)
    return lambda row: False
