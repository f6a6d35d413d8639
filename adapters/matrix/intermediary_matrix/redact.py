"""Keep Matrix ids out of the logs.

matrix-nio logs the user ids of the devices it talks to, which for the bot
means reporters. Its loggers are turned down to warnings, and every record
that reaches a handler has Matrix user ids (and room ids) replaced.
"""

from __future__ import annotations

import logging
import re

__all__ = ["MatrixIdFilter", "install", "quiet_libraries"]

_IDS = re.compile(r"[@!][A-Za-z0-9._=\-/+]+:[A-Za-z0-9.\-]+(?::\d+)?")


_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _redacted(text: str) -> str:
    return _IDS.sub("[matrix id]", text)


class MatrixIdFilter(logging.Filter):
    """Replaces Matrix ids in everything a handler could write of a record: its message,
    its traceback (an exception's text often quotes a room or user id), its stack and
    the extra fields given with it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _redacted(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[0] is not None:
            # formatted here, so that no formatter makes it again from the exception
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = _redacted(text), None
        elif record.exc_text:
            record.exc_text = _redacted(record.exc_text)
        if record.stack_info:
            record.stack_info = _redacted(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, _redacted(value))
        return True


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
