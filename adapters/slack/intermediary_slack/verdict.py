"""Whether a management channel is fit for relays, judged from what Slack said of it.

Pure: :func:`judge` turns what ``conversations.info`` and ``conversations.members``
returned (a :class:`Seen`) into a :class:`Verdict`; the rules are told in
:mod:`intermediary_slack.channels`, whose :class:`~intermediary_slack.channels.ChannelGuard`
asks Slack and acts on the verdict.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from intermediary.service.parties import Parties
from intermediary.text import Locale, render

__all__ = ["Destination", "Problem", "Seen", "Verdict", "destinations", "judge"]

PLATFORM = "slack"


class Problem(enum.Enum):
    """What holds a channel's messages."""

    UNCONFIGURED = "unconfigured"  #: the destination lists no Slack members
    UNREADABLE = "unreadable"  #: Slack will not describe it to the app as a private channel
    PUBLIC = "public"
    SHARED = "shared"  #: shared, or invited to be shared, with another workspace
    ARCHIVED = "archived"
    UNEXPECTED = "unexpected"  #: someone not configured is a member
    NOBODY = "nobody"  #: none of the configured members is in it


@dataclass(frozen=True)
class Destination:
    """A management destination's Slack channel and who may be in it."""

    label: str  #: ``org/destination``, for the operator
    name: str  #: the destination's name, for the counsellor
    channel: str
    members: frozenset[str]


@dataclass(frozen=True)
class Seen:
    """What Slack said about a channel; ``members`` is ``None`` if it would not list them."""

    private: bool
    shared: bool
    archived: bool
    members: frozenset[str] | None


@dataclass(frozen=True)
class Verdict:
    problems: tuple[Problem, ...] = ()
    unexpected: int = 0  #: members who are not configured (the app itself aside)
    missing: int = 0  #: configured people who are not members

    @property
    def held(self) -> bool:
        return bool(self.problems)

    def describe(self) -> str:
        """What is wrong, for the operator's log (counts only, never ids)."""
        words = {
            Problem.UNCONFIGURED: "has no members configured (members = { slack = [...] })",
            Problem.UNREADABLE: "cannot be read by the app (it is public, the app is not "
            "in it, or the app lacks the groups:read scope)",
            Problem.PUBLIC: "is public",
            Problem.SHARED: "is shared with another workspace (Slack Connect)",
            Problem.ARCHIVED: "is archived",
            Problem.UNEXPECTED: f"has unexpected members: {self.unexpected}",
            Problem.NOBODY: "has none of the configured members",
        }
        return "; ".join(words[p] for p in self.problems)

    def words(self, locale: Locale) -> str:
        """What is wrong, for the counsellor."""
        return "; ".join(
            render(f"slack.problem_{p.value}", locale, count=self.unexpected) for p in self.problems
        )


def judge(destination: Destination, seen: Seen | None, bot: str) -> Verdict:
    """The verdict on a channel, from what Slack said about it (``None``: nothing)."""
    problems: list[Problem] = []
    if not destination.members:
        problems.append(Problem.UNCONFIGURED)
    if seen is None:
        return Verdict((*problems, Problem.UNREADABLE))
    if not seen.private:
        problems.append(Problem.PUBLIC)
    if seen.shared:
        problems.append(Problem.SHARED)
    if seen.archived:
        problems.append(Problem.ARCHIVED)
    if seen.members is None:
        return Verdict((*problems, Problem.UNREADABLE))
    if not destination.members:
        return Verdict(tuple(problems))  # nobody to compare with: held as unconfigured
    present = seen.members - {bot}
    unexpected = len(present - destination.members)
    missing = len(destination.members - present)
    if unexpected:
        problems.append(Problem.UNEXPECTED)
    if not present & destination.members:
        problems.append(Problem.NOBODY)
    return Verdict(tuple(problems), unexpected, missing)


def destinations(parties: Parties) -> dict[str, Destination]:
    """Channel id -> its destination; a channel named twice may hold the members of both."""
    found: dict[str, Destination] = {}
    for place in parties.places():
        channel = place.address
        members = frozenset(place.members)
        known = found.get(channel)
        if known is not None:
            members |= known.members
        label = known.label if known else f"{place.org_id}/{place.destination_id}"
        found[channel] = Destination(label, known.name if known else place.name, channel, members)
    return found
