"""Taking identifiers out of log records, wherever in the record they are.

A platform's user and room ids name people (a reporter's Matrix id, their Slack user id).
An adapter's filter, on every handler, replaces them in everything a handler can write of
a record: its message, its traceback (an exception's text often quotes the room or user it
was about), its stack, and the extra fields given with it.
"""

from __future__ import annotations

import logging
import re

__all__ = ["RedactingFilter"]

_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """Replaces every match of :attr:`pattern` by :attr:`replacement`."""

    pattern: re.Pattern[str] = re.compile(r"(?!x)x")
    replacement = "[id]"

    def _redacted(self, text: str) -> str:
        return self.pattern.sub(self.replacement, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._redacted(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[0] is not None:
            # formatted here, so that no formatter makes it again from the exception
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = self._redacted(text), None
        elif record.exc_text:
            record.exc_text = self._redacted(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redacted(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, self._redacted(value))
        return True
