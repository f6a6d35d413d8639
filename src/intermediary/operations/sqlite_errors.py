"""A SQLite error in the reader's words, with what to do: by SQLite's error code.

SQLite's own text ("file is not a database", "database disk image is malformed") is
English, and for some errors quotes what the database holds; it is never shown. The
error's code says what happened (``SQLITE_NOTADB``, ``SQLITE_CORRUPT``…): each primary
code an operator can act on has a sentence of its own (``errors.sqlite_*``); any other
is named by its code, which reads the same in every language.
"""

from __future__ import annotations

import sqlite3

from intermediary.text import Locale, render

__all__ = ["sqlite_name", "sqlite_problem"]

#: SQLite's primary result codes (the low byte of an extended code) with a sentence
_BY_CODE = {
    26: "notadb",  # SQLITE_NOTADB
    11: "corrupt",  # SQLITE_CORRUPT
    14: "cantopen",  # SQLITE_CANTOPEN
    3: "denied",  # SQLITE_PERM
    23: "denied",  # SQLITE_AUTH
    5: "busy",  # SQLITE_BUSY
    6: "busy",  # SQLITE_LOCKED
    10: "io",  # SQLITE_IOERR
    13: "full",  # SQLITE_FULL
    1: "error",  # SQLITE_ERROR: no such table, and other general errors
}


def sqlite_name(error: sqlite3.Error) -> str:
    """SQLite's name for the error (``SQLITE_NOTADB``), or its Python type's."""
    return getattr(error, "sqlite_errorname", None) or type(error).__name__


def sqlite_problem(error: sqlite3.Error, locale: Locale) -> str:
    """What went wrong and what to do, in ``locale``; never SQLite's own text."""
    code = getattr(error, "sqlite_errorcode", None)
    word = _BY_CODE.get(code & 0xFF) if isinstance(code, int) else None
    return render(f"errors.sqlite_{word or 'other'}", locale, name=sqlite_name(error))
