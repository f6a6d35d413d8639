"""``intermediary open CASE --files FOLDER``: the reporter's files, written out.

The files are opened with the counsellor's key like the rest of the case file, on her
own machine, and written into a folder only she may enter (made 0700), each file 0600
under its neutral name (``file-1.jpg``). Nothing is overwritten: when a file of that
name is there already, nothing at all is written, and the counsellor is told to choose
an empty folder.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Sequence
from pathlib import Path

from intermediary.core.evidence import read_entry_text
from intermediary.crypto.files import FILE_MODE, private_folder
from intermediary.errors import IntegrityError, InvalidInput
from intermediary.service.casefile import CaseFileEntry

__all__ = ["write_files"]

#: the only names a file is written under: the neutral ones the core gives
_NAME = re.compile(r"^file-[1-9][0-9]{0,8}\.(jpg|png|webp|pdf)$")


def write_files(entries: Sequence[CaseFileEntry], folder: Path) -> list[Path]:
    """Write every file of ``entries`` into ``folder``; the paths written."""
    files: list[tuple[Path, bytes]] = []
    for entry in entries:
        if str(entry.kind) != "evidence":
            continue
        name, evidence = read_entry_text(entry.text)
        if not _NAME.match(name):  # never a path of the entry's choosing
            raise IntegrityError(what="evidence file name")
        files.append((folder / name, base64.b64decode(evidence.content, validate=True)))
    for path, _ in files:
        if path.exists() or path.is_symlink():
            raise InvalidInput("evidence.exists", path=str(path))
    if not files:
        return []
    if (folder.exists() or folder.is_symlink()) and not folder.is_dir():
        # a file, or a link to one or to nothing: never made a folder, never chmodded
        raise InvalidInput("evidence.not_a_folder", path=str(folder))
    private_folder(folder, tighten_existing=False)
    written = []
    for path, data in files:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        try:
            fd = os.open(path, flags, FILE_MODE)
        except FileExistsError:
            raise InvalidInput("evidence.exists", path=str(path)) from None
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), FILE_MODE)
            out.write(data)
        written.append(path)
    return written
