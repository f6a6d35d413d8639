"""Who is who on one platform: the one answer a front end asks for.

A front end knows platform addresses (a Slack user id, a Matrix room id); the service
knows from its configuration which of them are counsellors and management, and in
which organisation and language. An adapter asks here instead of reading the
configuration or the store, so that who-may-do-what is decided in one place and a
front end works the same for one organisation or many.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from intermediary.config import OrganisationConfig, ServiceConfig
from intermediary.core import CounsellorActor, CounsellorId, DestinationId, ManagementActor, OrgId
from intermediary.text import Locale

__all__ = ["Counsellor", "ManagementPlace", "Parties", "Who", "platform_address"]


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

    def management_places(self) -> dict[str, ManagementPlace]:
        """Management destinations on this platform, by their channel or room address."""
        found = {}
        for o in self._config.organisations:
            for d in o.management:
                address = platform_address(d.addresses, d.id, self.platform)
                if address is not None:
                    members = tuple(d.members.get(self.platform, []))
                    found[address] = ManagementPlace(
                        OrgId(o.id),
                        DestinationId(d.id),
                        d.name,
                        address,
                        members,
                        d.locale or o.locale,
                    )
        return found

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
