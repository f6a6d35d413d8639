"""Evidence: a file a reporter sends their counsellor, as the core sees it.

The service recognises the file by its bytes, removes its metadata and hands the core
the cleaned file (:mod:`intermediary.service.evidence`); the core only records it in the
sealed case file under a neutral name (``file-1.jpg``: the reporter's own file name may
identify them), tells the counsellor and the reporter, and keeps the count the annual
report reads. A file never goes to management: no step of the table relays one, and a
relay is the counsellor's own text, approved by the reporter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Final

from intermediary.core.actors import NOBODY_REPORTER, ReporterActor
from intermediary.core.case import Case
from intermediary.core.errors import InvalidInput
from intermediary.core.ids import CaseId

__all__ = [
    "KINDS",
    "Evidence",
    "SendEvidence",
    "checked",
    "entry_text",
    "next_name",
    "read_entry_text",
    "shown_size",
    "size_band",
]

#: what the service can clean, by the file's bytes: kind -> file extension
KINDS: Final = {"jpeg": "jpg", "png": "png", "webp": "webp", "pdf": "pdf"}
#: the case of a command not yet addressed (as :data:`intermediary.core.commands.NO_CASE`)
_NO_CASE: Final = CaseId("")


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """A cleaned file: its kind, its size in bytes, what was removed from it (the
    catalogue's ``evidence.removed.*`` words) and its bytes in base64."""

    kind: str
    size: int
    removed: tuple[str, ...] = ()
    content: str


@dataclass(frozen=True, kw_only=True)
class SendEvidence:
    """The reporter sends their counsellor a file (already cleaned by the service)."""

    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = _NO_CASE
    evidence: Evidence


def shown_size(size: int) -> str:
    """A size as people read it: ``240 kB``, ``3.4 MB`` (decimal units, as file managers)."""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{round(size / 1000)} kB"
    return f"{size / 1_000_000:.1f} MB"


def size_band(size: int) -> str:
    """A coarse band of a size for the audit chain, which keeps no exact size."""
    for limit, band in ((100_000, "<100kB"), (1_000_000, "<1MB"), (10_000_000, "<10MB")):
        if size < limit:
            return band
    return ">=10MB"


def entry_text(name: str, evidence: Evidence) -> str:
    """What the case file keeps of a file: its neutral name, kind, size, what was
    removed, and its bytes (the entry is sealed like every other)."""
    return json.dumps(
        {
            "name": name,
            "kind": evidence.kind,
            "size": evidence.size,
            "removed": list(evidence.removed),
            "content": evidence.content,
        },
        sort_keys=True,
    )


def read_entry_text(text: str) -> tuple[str, Evidence]:
    """The name and file of an evidence entry's text (see :func:`entry_text`)."""
    data = json.loads(text)
    evidence = Evidence(
        kind=str(data["kind"]),
        size=int(data["size"]),
        removed=tuple(str(r) for r in data["removed"]),
        content=str(data["content"]),
    )
    return str(data["name"]), evidence


def next_name(case: Case, kind: str) -> tuple[Case, str]:
    """The case with one more file, and that file's neutral name."""
    number = case.evidence + 1
    return replace(case, evidence=number), f"file-{number}.{KINDS[kind]}"


def checked(evidence: Evidence) -> Evidence:
    """Refuse a file the service did not clean into one of the known kinds."""
    if evidence.kind not in KINDS or evidence.size <= 0 or not evidence.content:
        raise InvalidInput("evidence.unknown_type", accepted="JPEG, PNG, WebP, PDF")
    return evidence
