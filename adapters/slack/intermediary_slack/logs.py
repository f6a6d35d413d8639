"""Keep Slack ids and payloads out of the logs.

slack_bolt and slack_sdk log whole request bodies at debug level, which would
put reporters' user ids and words into the logs: they are turned down to
warnings. Every record that reaches a handler also has Slack user, team and
channel ids replaced.
"""

from __future__ import annotations

import logging
import re

from intermediary.service.redaction import RedactingFilter

__all__ = ["SlackIdFilter", "bolt_logger", "install", "quiet_libraries"]

_IDS = re.compile(r"\b[UWTCDG][A-Z0-9]{6,}\b")


class SlackIdFilter(RedactingFilter):
    """Slack user, team and channel ids, out of messages, tracebacks, stacks and extras."""

    pattern = _IDS
    replacement = "[slack id]"


def quiet_libraries() -> None:
    for name in ("slack_bolt", "slack_sdk"):
        logger = logging.getLogger(name)
        logger.setLevel(max(logging.WARNING, logger.level))


def bolt_logger() -> logging.Logger:
    """The logger Bolt's own loggers copy their level from.

    Without one, Bolt gives each of its loggers the root logger's level when the app is
    built, so ``-v`` let its request verification log the whole body of a request that
    failed the signature check at info level (a reporter's words and display name, found
    by the test suite's leak hunt), and unhandled requests are logged with their body as
    warnings. Only its errors are kept.
    """
    logger = logging.getLogger("intermediary_slack.bolt")
    logger.setLevel(logging.ERROR)
    return logger


def install(root: logging.Logger | None = None) -> None:
    """Quieten the libraries and redact ids on every handler of ``root``."""
    quiet_libraries()
    root = root or logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, SlackIdFilter) for f in handler.filters):
            handler.addFilter(SlackIdFilter())
