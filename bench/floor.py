"""The floor under the scale section's figures: what any reader that trusts no row must do.

Plain SQL reads three columns and believes them. The service cannot: a database writer
may have changed any row (docs/THREAT_MODEL.md), so every case row it lists, loads or
sweeps is read whole, checked against its MAC and parsed before it is used. The floor does
exactly that and nothing more, in the fewest lines of Python: one query for every column
the MAC covers, one keyed BLAKE2b over them, one ``json.loads`` of the record where the
caller needs its content (a listing, a load; a round with nothing due needs none). The
service's distance to *this* figure is what its own code costs; the floor's distance to
plain SQL is what checking and reading every row costs in Python, whoever writes it.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import json
import sqlite3
from typing import Any

from intermediary.core.states import ACTIVE

__all__ = ["list_floor", "load_floor", "sweep_floor"]

_COLUMNS = (
    "c.case_id, c.org_id, c.counsellor_id, c.reporter_index, c.state, c.meta, "
    "c.case_public, c.receipt_hash, c.version, c.updated_at, c.mac, d.destination_id"
)
_FROM = "FROM cases c LEFT JOIN case_destinations d ON d.case_id = c.case_id"


def _checked(rows: list[Any], key: bytes, *, parse: bool = True) -> list[Any]:
    """Each row's MAC made and compared (the generated MACs are of the service's own
    layout, so they do not match this one: the work is the same, the verdict is ignored),
    then its record parsed, with the cycle collector waiting as the service's reader has it
    wait (store/rows.py)."""
    records = []
    gc.disable()
    try:
        for r in rows:
            data = "\x00".join(map(str, r[:6])).encode() + r[6] + str(r[7:10]).encode()
            mac = hashlib.blake2b(data, digest_size=32, key=key).hexdigest()
            ok = hmac.compare_digest(mac, r[10] or "")
            records.append((ok, json.loads(r[5]) if parse else None))
    finally:
        gc.enable()
    return records


def list_floor(raw: sqlite3.Connection, key: bytes, org: str, counsellor: str) -> list[Any]:
    """A counsellor's cases, each row checked and parsed."""
    query = f"SELECT {_COLUMNS} {_FROM} WHERE c.org_id = ? AND c.counsellor_id = ?"
    return _checked(raw.execute(query, (org, counsellor)).fetchall(), key)


def load_floor(raw: sqlite3.Connection, key: bytes, case_id: str) -> list[Any]:
    """One case, checked and parsed, and its texts waiting for approval."""
    query = f"SELECT {_COLUMNS} {_FROM} WHERE c.case_id = ?"
    found = _checked(raw.execute(query, (case_id,)).fetchall(), key)
    raw.execute("SELECT blob FROM pending WHERE case_id = ?", (case_id,)).fetchall()
    return found


def sweep_floor(raw: sqlite3.Connection, key: bytes) -> list[Any]:
    """Every active case (the states a deadline or a reminder can run in), checked, not
    parsed: the rows a housekeeping round with nothing due must look at (closed cases
    wait for their retention day, found by the day's own round; a record is parsed only
    when one plain field says a reminder may be due, which here none is)."""
    states = ", ".join(f"'{state}'" for state in sorted(ACTIVE))
    query = f"SELECT {_COLUMNS} {_FROM} WHERE c.state IN ({states})"
    return _checked(raw.execute(query).fetchall(), key, parse=False)
