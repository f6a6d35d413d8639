"""Write the annual report next to each other as ``<org>-<year>.html`` and ``.csv``.

Each file is written to a temporary name in the same folder and then renamed,
so a crash or a full disk never leaves half a report behind under the real
name. The CSV starts with a byte-order mark so that spreadsheet programs read
the Dutch characters correctly.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from intermediary.errors import OperatorError
from intermediary.office.report.csv import render_csv
from intermediary.office.report.html import render_html
from intermediary.office.report.model import AnnualReport

__all__ = ["write_report"]


def _write(path: Path, text: str, encoding: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".report-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding=encoding, newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_report(report: AnnualReport, folder: Path) -> tuple[Path, Path]:
    """Write the HTML and CSV files into ``folder``; returns their paths.

    A missing folder or one that cannot be written is an :class:`OperatorError`
    with a sentence that says what to do.
    """
    if not folder.is_dir():
        raise OperatorError("report.folder_missing", folder=str(folder))
    stem = re.sub(r"[^A-Za-z0-9_-]", "-", report.org_id) + f"-{report.year}"
    html_path, csv_path = folder / f"{stem}.html", folder / f"{stem}.csv"
    try:
        _write(html_path, render_html(report), "utf-8")
        _write(csv_path, render_csv(report), "utf-8-sig")
    except OSError as error:
        detail = error.strerror or error.__class__.__name__
        raise OperatorError("report.folder_unwritable", folder=str(folder), detail=detail) from None
    return html_path, csv_path
