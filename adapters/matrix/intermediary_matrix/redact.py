"""Keep Matrix ids out of the logs.

matrix-nio logs the user ids of the devices it talks to, which for the bot
means reporters. Its loggers are turned down to warnings, and every record
that reaches a handler has Matrix user ids (and room ids) replaced.
"""

from __future__ import annotations

import logging
import re

from intermediary.service.redaction import RedactingFilter

__all__ = ["MatrixIdFilter", "install", "quiet_libraries"]

_IDS = re.compile(r"[@!][A-Za-z0-9._=\-/+]+:[A-Za-z0-9.\-]+(?::\d+)?")


class MatrixIdFilter(RedactingFilter):
    """Matrix user and room ids, out of messages, tracebacks, stacks and extra fields."""

    pattern = _IDS
    replacement = "[matrix id]"


def install(root: logging.Logger | None = None) -> MatrixIdFilter:
    """Redact on every handler of ``root`` (and quieten matrix-nio)."""
    root = root or logging.getLogger()
    redactor = MatrixIdFilter()
    for handler in root.handlers:
        if not any(isinstance(f, MatrixIdFilter) for f in handler.filters):
            handler.addFilter(redactor)
    quiet_libraries()
    return redactor


def quiet_libraries() -> None:
    """matrix-nio logs whole server responses at debug level (display names, room state),
    and peewee, under its key store, every statement: neither belongs in our logs. Found
    by the test suite's leak hunt with a reporter's planted display name."""
    for name in ("nio", "peewee"):
        logger = logging.getLogger(name)
        logger.setLevel(max(logging.WARNING, logger.level))
