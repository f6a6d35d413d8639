"""Keep Slack ids and payloads out of the logs.

slack_bolt and slack_sdk log whole request bodies at debug level, which would
put reporters' user ids and words into the logs: they are turned down to
warnings. Every record that reaches a handler also has Slack user, team and
channel ids replaced.
"""

from __future__ import annotations

import logging
import re

__all__ = ["SlackIdFilter", "install", "quiet_libraries"]

_IDS = re.compile(r"\b[UWTCDG][A-Z0-9]{6,}\b")


class SlackIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _IDS.sub("[slack id]", message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def quiet_libraries() -> None:
    for name in ("slack_bolt", "slack_sdk"):
        logger = logging.getLogger(name)
        logger.setLevel(max(logging.WARNING, logger.level))


def install(root: logging.Logger | None = None) -> None:
    """Quieten the libraries and redact ids on every handler of ``root``."""
    quiet_libraries()
    root = root or logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, SlackIdFilter) for f in handler.filters):
            handler.addFilter(SlackIdFilter())
