"""The Slack adapter (first slice): DMs, the ``/vp`` command, outbox delivery."""

from intermediary_slack.app import PLATFORM, build_app
from intermediary_slack.transport import SlackTransport

__all__ = ["PLATFORM", "SlackTransport", "build_app"]
