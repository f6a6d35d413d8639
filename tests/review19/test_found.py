"""Review of issue 19 (group commit, entry v2, entry MAC) and issue 20 (web inbox):
attacks by an insider, each failing while the weakness is there."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.core.effects import Message
from intermediary.crypto.vault import contact_name, sibling_vault
from intermediary.errors import IntegrityError
from intermediary.service.audit import linker
from intermediary.service.integrity import GuardedStore, RowGuard
from intermediary.service.web_inbox import WebInbox
from intermediary.store import SqliteStore
from intermediary.store.records import (
    AuditDraft,
    AuditRecord,
    CaseRow,
    StoredEntry,
    UnitOfWork,
)

CASE = "VP-AAAA-AAAA"


def _clock() -> datetime:
    return datetime(2027, 3, 1, 12, tzinfo=UTC)


async def _inbox(tmp_path: Path) -> tuple[SqliteStore, WebInbox, Path]:
    db = tmp_path / "case.db"
    store = SqliteStore(db, vault=sibling_vault(db))
    await store.open()
    store.vault.put(contact_name(CASE), secrets.token_bytes(32))
    return store, WebInbox(store, crypto.ServiceKeys.generate(), _clock), db


async def test_an_insider_cannot_reorder_a_web_inbox_unnoticed(tmp_path: Path) -> None:
    """A database writer swaps the numbers of two rows of one case's web inbox: the page
    shows the counsellor's answers in another order (the row's number is not bound)."""
    store, inbox, db = await _inbox(tmp_path)
    try:
        await inbox.keep(CASE, "k1", Message("web.you_wrote", (), "first"))
        await inbox.keep(CASE, "k2", Message("web.you_wrote", (), "second"))
        with sqlite3.connect(db) as insider:  # a second process on the same file
            insider.execute("UPDATE web_inbox SET n = n + 10 WHERE key = 'k1'")
        try:
            shown = [m.quote for m in await inbox.read(CASE)]
        except IntegrityError:
            return  # noticed: what a fix may do
        assert shown == ["first", "second"], "reordered rows were shown as kept"
    finally:
        await store.close()


async def test_an_insider_cannot_drop_a_web_inbox_message_unnoticed(tmp_path: Path) -> None:
    """A database writer deletes the counsellor's latest message to a web reporter
    (or edits it so it no longer opens): the page shows the rest, and nobody is told."""
    store, inbox, db = await _inbox(tmp_path)
    try:
        await inbox.keep(CASE, "k1", Message("web.you_wrote", (), "first"))
        await inbox.keep(CASE, "k2", Message("web.you_wrote", (), "do not go in tomorrow"))
        with sqlite3.connect(db) as insider:
            insider.execute("UPDATE web_inbox SET blob = zeroblob(80) WHERE key = 'k2'")
        with pytest.raises(IntegrityError):
            await inbox.read(CASE)
    finally:
        await store.close()


async def test_an_entry_mac_of_foreign_characters_is_refused_not_a_crash(tmp_path: Path) -> None:
    """A database writer puts 32 non-ASCII characters in ``entries.mac``: the entry must
    be refused (and the refusal recorded) as for any other wrong MAC; instead the check
    raises TypeError, and every read of the case file (the counsellor's, ``verify``)
    fails before anything is refused or recorded."""
    db = tmp_path / "case.db"
    keys = crypto.ServiceKeys.generate()
    # the refusal is written to the audit chain: the service's own linker
    guarded = GuardedStore(SqliteStore(db, vault=sibling_vault(db)), RowGuard(keys), linker(keys))
    await guarded.open()
    try:
        public, _ = crypto.new_case_keypair()
        at = _clock()
        row = CaseRow(
            case_id=CASE,
            org_id="org",
            counsellor_id="c1",
            reporter_index="ri",
            state="open",
            meta="{}",
            destinations=(),
            case_public=public.raw,
            receipt_hash="rh",
            version=0,
            updated_at=at,
        )
        blob = b"\x02" + bytes(60)
        entry = StoredEntry(
            case_id=CASE, seq=1, kind="message", author="reporter", blob=blob, created_at=at
        )
        await guarded.commit(UnitOfWork(case=row, entries=[entry]), _no_link)
        assert len(await guarded.entries(CASE)) == 1
        with sqlite3.connect(db) as insider:
            insider.execute("UPDATE entries SET mac = ? WHERE seq = 1", ("\u00e9" * 32,))
        assert await guarded.entries(CASE) == []  # refused, as any forged entry
        assert guarded.refused_entries[CASE] == [1]
        assert [a.kind for a in await guarded.audit_log()][-1] == "tampered_record"
    finally:
        await guarded.close()


def _no_link(head: AuditRecord | None, draft: AuditDraft) -> AuditRecord:
    raise AssertionError("no audit entry expected")
