"""Where log records go and how they look: text for a person, JSON lines for a machine.

``intermediary --log-format json`` (or ``INTERMEDIARY_LOG_FORMAT=json``, for a systemd
unit) writes one JSON object per line to standard error: ``time`` (UTC, ISO 8601),
``level``, ``logger``, ``message``, and ``exception`` and ``stack`` when the record has
them. Nothing else of a record is written.

The front ends' redacting filters (:class:`~intermediary.service.redaction.RedactingFilter`)
sit on the root logger's handlers, this one included, and run before any formatter: the
JSON object is made from the record as they left it. Its fields are exactly the parts of a
record those filters clean; the extra attributes a caller may attach (``extra=…``) are
left out, since a filter redacts only the ones that are strings and a list or a number
could carry an id past it.

What a command prints for the operator whatever the level (:func:`announce`) follows the
format too: in JSON mode it is one more JSON line.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

__all__ = ["LOG_FORMATS", "TEXT_FORMAT", "JsonFormatter", "announce", "configure"]

#: the values of ``--log-format`` and ``INTERMEDIARY_LOG_FORMAT``
LOG_FORMATS = ("text", "json")
#: a text line: ``LEVEL logger: message``
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"

# JSON leaves these as they are, but some readers (Python's str.splitlines among them)
# end a line at each: escaped, a message cannot split its object over two lines
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        line = json.dumps(entry, ensure_ascii=False)
        for raw, escaped in _LINE_BREAKS.items():
            line = line.replace(raw, escaped)
        return line


class _Chosen:
    """The JSON handler :func:`configure` set up in this process, if it did."""

    json: logging.Handler | None = None


def configure(level: int, log_format: str = "text") -> None:
    """Log to standard error at ``level``, as text lines or as JSON lines."""
    if log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=level, handlers=[handler])
        _Chosen.json = handler
    elif log_format == "text":
        logging.basicConfig(level=level, format=TEXT_FORMAT)
    else:  # click refuses other values; a caller in Python gets told too
        raise ValueError(f"log format {log_format!r}: use one of {', '.join(LOG_FORMATS)}")


def announce(text: str, logger: str, level: int = logging.INFO) -> None:
    """Something the operator must see at every start, whatever the log level (a front
    end's published key, or the error that ends a command): as it is in text mode; in
    JSON mode an object from ``logger`` at ``level``, through the JSON handler and so its
    redacting filters, so that a log collector reads only JSON lines."""
    handler = _Chosen.json
    if handler is None or handler not in logging.getLogger().handlers:
        print(text, file=sys.stderr, flush=True)
        return
    handler.handle(
        logging.makeLogRecord(
            {
                "name": logger,
                "levelno": level,
                "levelname": logging.getLevelName(level),
                "msg": text,
            }
        )
    )
