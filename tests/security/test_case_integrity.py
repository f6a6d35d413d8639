"""An insider who can write the database cannot take a case over (issue 14, item 1).

Every attack here is made the way such an insider would: with ``sqlite3`` on the
database file (beside the running service, or while it is stopped), or with SQL on the
PostgreSQL server, then through the chat commands and the ``intermediary`` command as a
reporter, the counsellor or the operator would use them. Each time: the service refuses
with a clear error, nothing reaches management, the refusal is in the audit chain, and
``intermediary verify`` names the case.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from intermediary import crypto
from intermediary.crypto.vault import DirectoryVault
from intermediary.errors import ForeignSchema, TamperedRecord
from intermediary.service.entries import entry_aad, entry_plaintext
from intermediary.service.integrity import TAMPERED
from intermediary.service.verification import check_records
from intermediary.store.postgres import PostgresStore
from tests.cli.test_commands import CASE_ID, cli, make_installation
from tests.harness import Harness, make_harness

MALLORYS_PHRASE = "MALL-0RY0-KN0W-1T00"


async def awaiting_approval(h: Harness) -> tuple[str, int]:
    """Saskia's confidential report with a relay draft waiting for her approval."""
    await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await h.say("saskia", "My lead shouts at me in every meeting.")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!draft {case} An employee reports being shouted at.")
    return case, await h.pending("saskia")


def write(db: Path, sql: str, *args: object) -> None:
    """What an insider does: SQL on the file, beside the running service."""
    with sqlite3.connect(db) as conn:
        assert conn.execute(sql, args).rowcount >= 1, "the attack changed nothing"


async def refused_in_audit(h: Harness, case: str) -> None:
    tampered = await h.store.audit_entries(kind=TAMPERED)
    assert [r.case_id for r in tampered] == [case]


# --- the attack of the issue: a receipt hash of one's own --------------------------------


async def test_writing_ones_own_receipt_hash_does_not_take_the_case_over(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    case, number = await awaiting_approval(h)
    # an unkeyed argon2id hash is what anyone can compute for a phrase of their own
    write(
        tmp_path / "case.db",
        "UPDATE cases SET receipt_hash = ? WHERE case_id = ?",
        crypto.hash_passphrase(MALLORYS_PHRASE, crypto.MIN),
        case,
    )
    answer = await h.say("mallory", f"!resume {case} {MALLORYS_PHRASE}")
    assert "cannot be used" in " ".join(answer)
    assert "changed outside the service" in " ".join(answer)
    assert not any("approve" in line.lower() for line in answer)  # nothing of the draft
    approve = await h.say("mallory", f"!approve {number}")
    assert "!approve" not in " ".join(h.inbox("management"))
    assert h.inbox("management") == [], approve
    assert h.inbox("mallory") == []
    await refused_in_audit(h, case)
    # the reporter's own approval is refused too: the record cannot be trusted any more
    mine = await h.say("saskia", f"!approve {number}")
    assert "cannot be used" in " ".join(mine)
    assert h.inbox("management") == []
    await h.close()


async def test_a_receipt_hash_from_another_case_does_not_match(tmp_path: Path) -> None:
    """Mallory opens a case of her own (she knows its phrase) and copies its receipt
    hash, and then its whole row, into Saskia's: neither verifies there."""
    h = await make_harness(tmp_path / "case.db")
    case, _ = await awaiting_approval(h)
    await h.say("mallory", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("mallory", "!skip")
    phrase = re.search(
        r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", " ".join(h.inbox("mallory"))
    )
    assert phrase is not None
    own = await h.case_of("mallory")
    db = tmp_path / "case.db"
    write(
        db,
        "UPDATE cases SET receipt_hash = (SELECT receipt_hash FROM cases WHERE case_id = ?) "
        "WHERE case_id = ?",
        own,
        case,
    )
    assert "cannot be used" in " ".join(await h.say("mallory", f"!resume {case} {phrase[0]}"))
    # and even the keyed receipt alone, MAC aside, is bound to its case
    with sqlite3.connect(db) as conn:
        (stored,) = conn.execute(
            "SELECT receipt_hash FROM cases WHERE case_id = ?", (own,)
        ).fetchone()
    assert crypto.check_receipt(h.keys, own, stored, phrase[0])
    assert not crypto.check_receipt(h.keys, case, stored, phrase[0])
    # a whole row moved over, MAC and all
    columns = "org_id, counsellor_id, reporter_index, state, meta, case_public, receipt_hash, mac"
    write(
        db,
        f"UPDATE cases SET ({columns}) = (SELECT {columns} FROM cases WHERE case_id = ?) "  # noqa: S608
        "WHERE case_id = ?",
        own,
        case,
    )
    assert "cannot be used" in " ".join(await h.say("mallory", f"!resume {case} {phrase[0]}"))
    assert h.inbox("management") == []
    await h.close()


# --- editing what the service decides on -------------------------------------------------


#: what an insider edits in a case row: the column, the text found, what it becomes
EDITS = [
    ("meta", '"disclosure":"confidential"', '"disclosure":"open"'),
    ("meta", '"contact_stopped":false', '"contact_stopped":true'),
    ("counsellor_id", "counsellor", "ilse"),
    ("state", "awaiting_consent", "relayed"),
]


@pytest.mark.parametrize(("column", "find", "replace"), EDITS)
async def test_an_edited_case_record_is_refused_and_nothing_reaches_management(
    tmp_path: Path, column: str, find: str, replace: str
) -> None:
    h = await make_harness(tmp_path / "case.db")
    case, number = await awaiting_approval(h)
    write(
        tmp_path / "case.db",
        f"UPDATE cases SET {column} = replace({column}, ?, ?) WHERE case_id = ?",  # noqa: S608
        find,
        replace,
        case,
    )
    answer = await h.say("saskia", f"!approve {number}")
    assert "cannot be used" in " ".join(answer), answer
    counsellor = await h.say("counsellor", f"!draft {case} Something else entirely.")
    assert "cannot be used" in " ".join(counsellor), counsellor
    assert h.inbox("management") == []
    await refused_in_audit(h, case)
    await h.close()


async def test_a_destination_added_in_its_own_table_learns_nothing(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    case, _ = await awaiting_approval(h)
    write(
        tmp_path / "case.db",
        "INSERT INTO case_destinations (case_id, org_id, destination_id) VALUES (?, ?, ?)",
        case,
        "demo",
        "management",
    )
    answer = await h.say("management", "!cases")
    assert case not in " ".join(answer)
    assert "cannot be used" in " ".join(await h.say("management", f"!ack {case}"))
    await refused_in_audit(h, case)
    await h.close()


async def test_marking_a_case_purged_does_not_make_housekeeping_destroy_its_key(
    tmp_path: Path,
) -> None:
    """Housekeeping destroys the vault keys of purged cases: a row marked purged by an
    insider must not get a live case crypto-shredded for them."""
    h = await make_harness(tmp_path / "case.db")
    case, _ = await awaiting_approval(h)
    write(tmp_path / "case.db", "UPDATE cases SET state = 'purged' WHERE case_id = ?", case)
    await h.office.destroy_dead_keys()
    h.clock.advance(hours=1)  # past the grace period an orphan key would get
    await h.office.destroy_dead_keys()
    assert h.store.vault.get(case) is not None
    await refused_in_audit(h, case)
    await h.close()


async def test_a_relay_moved_forward_in_the_outbox_is_never_sent(tmp_path: Path) -> None:
    """'!approve N later' holds the relay for the batch; an insider who sets its release
    moment to now does not get it to management early (nor at all)."""
    h = await make_harness(tmp_path / "case.db")
    case, number = await awaiting_approval(h)
    await h.say("saskia", f"!approve {number} later")
    write(
        tmp_path / "case.db",
        "UPDATE outbox SET not_before = ? WHERE case_id = ? AND not_before > ?",
        h.clock.now.isoformat(),
        case,
        h.clock.now.isoformat(),
    )
    await h.worker.run_once()
    h.clock.advance(days=2)
    await h.worker.run_once()
    assert h.inbox("management") == []
    await h.close()


# --- through the command line: verify and open --------------------------------------------


def test_verify_names_every_altered_case_and_open_names_a_deleted_entry(tmp_path: Path) -> None:
    config, key = make_installation(tmp_path)
    opened = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin="@saskia !new mode=report disclosure=confidential category=bullying\n"
        "@saskia The purple stapler incident.\n@saskia It happened twice.\n"
        "@saskia It was on a Monday.\n"
        "@jan !new mode=consult disclosure=anonymous category=bullying\n@jan Can we talk?\n",
    )
    assert opened.returncode == 0, opened.stderr
    saskias, jans = CASE_ID.findall(opened.stdout)[0], CASE_ID.findall(opened.stdout)[-1]
    assert saskias != jans
    clean = cli("verify", "--config", str(config))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "2 case records checked" in clean.stdout

    db = tmp_path / "case.db"
    write(db, "UPDATE cases SET meta = replace(meta, 'consult', 'report') WHERE case_id = ?", jans)
    write(db, "DELETE FROM entries WHERE case_id = ? AND seq = 2", saskias)
    broken = cli("verify", "--config", str(config))
    assert broken.returncode == 1
    assert f"case {jans}: its record was changed outside the service" in broken.stdout
    assert f"case {saskias}: case-file entries missing: 2" in broken.stdout

    shown = cli(
        "open", saskias, "--config", str(config), "--key", str(key), "--passphrase-env", "PASS"
    )
    assert shown.returncode == 1
    assert "entries 2 of this case file are missing" in shown.stderr
    assert "It was on a Monday." in shown.stdout  # what is there is still shown
    assert "It happened twice." not in shown.stdout

    refused = cli("run", "console", "--config", str(config), stdin=f"@jan !status {jans}\n")
    assert "cannot be used" in refused.stdout
    after = cli("verify", "--config", str(config))
    assert f"case {jans}: the service refused its record as altered (audited)" in after.stdout


def forged(case_public: bytes, case: str, seq: int, author: str, kind: str, text: str) -> bytes:
    """An entry as an insider seals it: the case's public key is in the database."""
    aad = entry_aad(case, seq, author, kind)
    return crypto.seal_entry(
        crypto.CasePublicKey(case_public), aad, entry_plaintext(datetime.now(UTC), text)
    )


def test_an_entry_forged_with_the_cases_public_key_is_named_not_shown(tmp_path: Path) -> None:
    """The case's public key is in its row: an insider seals a "withdrawal" of their own
    over the reporter's message, and adds a "consent" after the last entry. Neither
    opens as the reporter's words; `open` and `verify` name both."""
    config, key = make_installation(tmp_path)
    opened = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin="@saskia !new mode=report disclosure=confidential category=bullying\n"
        "@saskia The purple stapler incident.\n@saskia It happened twice.\n",
    )
    assert opened.returncode == 0, opened.stderr
    case = CASE_ID.findall(opened.stdout)[0]
    db = tmp_path / "case.db"
    with sqlite3.connect(db) as conn:
        (public,) = conn.execute(
            "SELECT case_public FROM cases WHERE case_id = ?", (case,)
        ).fetchone()
        kind, author, next_seq = conn.execute(
            "SELECT kind, author, (SELECT max(seq) + 1 FROM entries WHERE case_id = ?) "
            "FROM entries WHERE case_id = ? AND seq = 2",
            (case, case),
        ).fetchone()
    withdrawal = forged(public, case, 2, author, kind, "I take it all back, share my name.")
    write(db, "UPDATE entries SET blob = ? WHERE case_id = ? AND seq = 2", withdrawal, case)
    consent = forged(public, case, next_seq, author, kind, "You may tell them who I am.")
    write(
        db,
        "INSERT INTO entries (case_id, seq, kind, author, blob, created_at, mac) "
        "SELECT case_id, ?, kind, author, ?, created_at, mac FROM entries "
        "WHERE case_id = ? AND seq = 1",
        next_seq,
        consent,
        case,
    )

    shown = cli(
        "open", case, "--config", str(config), "--key", str(key), "--passphrase-env", "PASS"
    )
    assert shown.returncode == 1
    assert (
        f"entries 2, {next_seq} of this case file were not written by the service" in shown.stderr
    )
    assert "share my name" not in shown.stdout
    assert "tell them who I am" not in shown.stdout
    assert "The purple stapler incident." in shown.stdout  # the genuine one is still shown
    assert "missing" not in shown.stderr

    checked = cli("verify", "--config", str(config))
    assert checked.returncode == 1
    for seq in (2, next_seq):
        assert (
            f"case {case}: case-file entry {seq} was written or changed outside" in checked.stdout
        )
    assert f"case {case}: the service refused its record as altered (audited)" in checked.stdout


async def test_an_entry_moved_to_another_case_or_number_is_refused(tmp_path: Path) -> None:
    """A genuine entry, MAC and all, copied to another place does not verify there."""
    h = await make_harness(tmp_path / "case.db")
    case, _ = await awaiting_approval(h)
    await h.say("jan", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("jan", "Can we talk?")
    other = await h.case_of("jan")
    db = tmp_path / "case.db"
    write(
        db,
        "UPDATE entries SET blob = (SELECT blob FROM entries WHERE case_id = ? AND seq = 1), "
        "mac = (SELECT mac FROM entries WHERE case_id = ? AND seq = 1) "
        "WHERE case_id = ? AND seq = 1",
        case,
        case,
        other,
    )
    write(
        db,
        "UPDATE entries SET mac = (SELECT mac FROM entries WHERE case_id = ? AND seq = 1) "
        "WHERE case_id = ? AND seq = 2",
        case,
        case,
    )
    assert await h.service.store.entries(other) == []
    assert 2 not in [e.seq for e in await h.service.store.entries(case)]
    assert h.service.store.refused_entries == {other: [1], case: [2]}
    await h.close()


# --- the same on PostgreSQL ---------------------------------------------------------------


async def test_postgres_rows_edited_on_the_server_are_refused(
    tmp_path: Path, postgres_url: str
) -> None:
    store = PostgresStore(postgres_url, vault=DirectoryVault(tmp_path / "vault"))
    await store.open()
    h = await make_harness(store=store)
    case, number = await awaiting_approval(h)
    conn = await asyncpg.connect(postgres_url)
    try:
        changed = await conn.execute(
            "UPDATE cases SET receipt_hash = $1 WHERE case_id = $2",
            crypto.hash_passphrase(MALLORYS_PHRASE, crypto.MIN),
            case,
        )
        assert changed == "UPDATE 1"
        assert "cannot be used" in " ".join(
            await h.say("mallory", f"!resume {case} {MALLORYS_PHRASE}")
        )
        await conn.execute(
            "UPDATE cases SET receipt_hash = $1, meta = replace(meta, 'confidential', 'open') "
            "WHERE case_id = $2",
            "",
            case,
        )
        assert "cannot be used" in " ".join(await h.say("saskia", f"!approve {number}"))
    finally:
        await conn.close()
    assert h.inbox("management") == []
    await refused_in_audit(h, case)
    await h.close()


async def test_a_postgres_entry_forged_on_the_server_is_refused_and_named(
    tmp_path: Path, postgres_url: str
) -> None:
    store = PostgresStore(postgres_url, vault=DirectoryVault(tmp_path / "vault"))
    await store.open()
    h = await make_harness(store=store)
    case, _ = await awaiting_approval(h)
    conn = await asyncpg.connect(postgres_url)
    try:
        public = await conn.fetchval("SELECT case_public FROM cases WHERE case_id = $1", case)
        row = await conn.fetchrow(
            "SELECT kind, author FROM entries WHERE case_id = $1 AND seq = 2", case
        )
        blob = forged(public, case, 2, row["author"], row["kind"], "I withdraw everything.")
        changed = await conn.execute(
            "UPDATE entries SET blob = $1 WHERE case_id = $2 AND seq = 2", blob, case
        )
        assert changed == "UPDATE 1"
    finally:
        await conn.close()
    assert 2 not in [e.seq for e in await h.service.store.entries(case)]
    assert h.service.store.refused_entries == {case: [2]}
    report = await check_records(store, h.keys, await store.audit_log())
    assert any("case-file entry 2 was written or changed outside" in p for p in report.problems)
    await h.close()


# --- older copies, and an insider with the service key ------------------------------------


def test_a_case_rolled_back_to_an_older_copy_is_named_by_verify(tmp_path: Path) -> None:
    """An insider keeps a copy of the rows of an open case and, after it was closed, puts
    them back: every row is the service's own (its MAC verifies), but the audit chain
    says the case was closed."""
    config, _ = make_installation(tmp_path)
    opened = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin="@saskia !new mode=consult disclosure=anonymous category=bullying\n"
        "@saskia Can we talk?\n",
    )
    case = CASE_ID.findall(opened.stdout)[0]
    db = tmp_path / "case.db"
    with sqlite3.connect(db) as conn:
        kept = conn.execute("SELECT * FROM cases WHERE case_id = ?", (case,)).fetchone()
        routing = conn.execute("SELECT * FROM routing WHERE case_id = ?", (case,)).fetchone()
    closed = cli(
        "run", "console", "--config", str(config), stdin=f"@daan !close {case} resolved bullying\n"
    )
    assert closed.returncode == 0, closed.stderr
    assert cli("verify", "--config", str(config)).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM cases WHERE case_id = ?", (case,))
        conn.execute(f"INSERT INTO cases VALUES ({', '.join('?' * len(kept))})", kept)  # noqa: S608
        conn.execute("INSERT INTO routing VALUES (?, ?)", routing)
    rolled = cli("verify", "--config", str(config))
    assert rolled.returncode == 1
    assert f"case {case}: the chain says closed, its record does not (rolled back)" in rolled.stdout


async def test_a_pending_text_rewritten_with_the_service_key_is_not_sent(tmp_path: Path) -> None:
    """Even whoever holds the service key and writes the database cannot change a text
    while it waits for approval, keeping its digest: what is approved is the digest, and
    the text must still be the one it names."""
    h = await make_harness(tmp_path / "case.db")
    case, number = await awaiting_approval(h)
    shred = h.store.vault.get(case)
    aad = f"{case}|{number}".encode()
    with sqlite3.connect(tmp_path / "case.db") as conn:
        (blob,) = conn.execute(
            "SELECT blob FROM pending WHERE case_id = ? AND number = ?", (case, number)
        ).fetchone()
    item = json.loads(crypto.op_decrypt(h.keys, "pending", aad, blob, shred=shred))
    item["text"] = "The reporter is Saskia from the night shift."  # the digest is kept
    forged = crypto.op_encrypt(h.keys, "pending", aad, json.dumps(item).encode(), shred=shred)
    write(
        tmp_path / "case.db",
        "UPDATE pending SET blob = ? WHERE case_id = ? AND number = ?",
        forged,
        case,
        number,
    )
    answer = await h.say("saskia", f"!approve {number}")
    assert "cannot be used" in " ".join(answer)
    assert h.inbox("management") == []
    await refused_in_audit(h, case)  # audited, and so named by verify
    # a stranger asking about the case is answered as if there were none
    stranger = await h.say("mallory", f"!switch {case}")
    assert "no case" in " ".join(stranger).lower()
    await h.close()


async def test_a_record_put_back_across_audited_changes_is_named_by_verify(
    tmp_path: Path,
) -> None:
    """The insider keeps a copy of the case at `awaiting_consent`, lets the relay, the
    acknowledgement and a question happen, then puts the copy back (rows that all verify,
    the newer ones deleted): the board no longer knows the case and its deadlines stop.
    The audit chain recorded which version each change wrote."""
    h = await make_harness(tmp_path / "case.db")
    case, number = await awaiting_approval(h)
    db = tmp_path / "case.db"
    with sqlite3.connect(db) as conn:
        kept = conn.execute("SELECT * FROM cases WHERE case_id = ?", (case,)).fetchone()
        pending = conn.execute("SELECT * FROM pending WHERE case_id = ?", (case,)).fetchall()
    await h.say("saskia", f"!approve {number}")
    await h.say("management", f"!ack {case}")
    await h.say("management", f"!ask {case} Since when?")
    assert not (await check_records(h.store, h.keys, await h.store.audit_log())).problems
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM case_destinations WHERE case_id = ?", (case,))
        conn.execute("DELETE FROM pending WHERE case_id = ?", (case,))
        conn.execute("DELETE FROM cases WHERE case_id = ?", (case,))
        conn.execute(f"INSERT INTO cases VALUES ({', '.join('?' * len(kept))})", kept)  # noqa: S608
        marks = ", ".join("?" * len(pending[0]))
        conn.executemany(f"INSERT INTO pending VALUES ({marks})", pending)  # noqa: S608
    report = await check_records(h.store, h.keys, await h.store.audit_log())
    assert any("put back to an older copy" in p and case in p for p in report.problems)
    await h.close()


# --- objects the service did not create -------------------------------------------------


def test_a_trigger_that_would_hide_audit_entries_keeps_the_service_from_starting(
    tmp_path: Path,
) -> None:
    """A trigger could delete each reveal from the chain as it is written, so that no
    check afterwards ever sees it: the service refuses to start on a database with any
    trigger or view it did not create, and ``verify`` names them."""
    config, _ = make_installation(tmp_path)
    opened = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin="@saskia !new mode=consult disclosure=anonymous category=bullying\n",
    )
    assert opened.returncode == 0, opened.stderr
    assert cli("verify", "--config", str(config)).returncode == 0
    with sqlite3.connect(tmp_path / "case.db") as conn:
        conn.execute(
            "CREATE TRIGGER keep_quiet AFTER INSERT ON audit WHEN NEW.kind = 'reveal' "
            "BEGIN DELETE FROM audit WHERE seq = NEW.seq; END"
        )
        conn.execute("CREATE VIEW all_reporters AS SELECT * FROM cases")
    refused = cli("run", "console", "--config", str(config), stdin="@saskia !status\n")
    assert refused.returncode == 1
    assert "trigger keep_quiet" in refused.stderr
    assert "view all_reporters" in refused.stderr
    assert "intermediary verify" in refused.stderr
    assert "Traceback" not in refused.stderr
    verified = cli("verify", "--config", str(config))
    assert verified.returncode == 1
    assert "trigger keep_quiet" in verified.stdout
    with sqlite3.connect(tmp_path / "case.db") as conn:
        conn.execute("DROP TRIGGER keep_quiet")
        conn.execute("DROP VIEW all_reporters")
    again = cli("run", "console", "--config", str(config), stdin="@saskia !status\n")
    assert again.returncode == 0, again.stderr


async def test_a_postgres_trigger_rule_or_policy_keeps_the_service_from_starting(
    tmp_path: Path, postgres_url: str
) -> None:
    store = PostgresStore(postgres_url, vault=DirectoryVault(tmp_path / "vault"))
    await store.open()
    h = await make_harness(store=store)
    await h.service.store.require_authenticated()  # a clean schema starts
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute(
            "CREATE FUNCTION keep_quiet() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NULL; END $$"
        )
        await conn.execute(
            "CREATE TRIGGER keep_quiet BEFORE INSERT ON audit FOR EACH ROW "
            "EXECUTE FUNCTION keep_quiet()"
        )
        await conn.execute("CREATE RULE no_deletes AS ON DELETE TO routing DO INSTEAD NOTHING")
        with pytest.raises(ForeignSchema) as refused:
            await h.service.store.require_authenticated()
        assert "trigger keep_quiet" in str(refused.value)
        assert "rule no_deletes" in str(refused.value)
    finally:
        await conn.execute("DROP RULE IF EXISTS no_deletes ON routing")
        await conn.execute("DROP TRIGGER IF EXISTS keep_quiet ON audit")
        await conn.execute("DROP FUNCTION IF EXISTS keep_quiet()")
        await conn.close()
    await h.close()


@pytest.mark.parametrize("move", ["a schema named after the role", "the database's search path"])
async def test_a_trigger_is_not_hidden_by_moving_the_search_path(
    tmp_path: Path, postgres_url: str, move: str
) -> None:
    """The check used to look in whatever schema came first on the search path: a schema
    named after the service's role (which needs only CREATE on the database), or a
    search path set on the database, hid a trigger copying every reporter list away.
    The service now sets its own search path, and the check looks where its tables are."""
    store = PostgresStore(postgres_url, vault=DirectoryVault(tmp_path / "vault"))
    await store.open()
    h = await make_harness(store=store)
    await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    await h.close()
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute("CREATE TABLE public.kept_lists (lookup text, blob bytea)")
        await conn.execute(
            "CREATE FUNCTION public.keep_lists() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO public.kept_lists VALUES (NEW.lookup, NEW.blob); "
            "RETURN NEW; END $$"
        )
        await conn.execute(
            "CREATE TRIGGER keep_lists AFTER INSERT OR UPDATE ON public.reporters "
            "FOR EACH ROW EXECUTE FUNCTION public.keep_lists()"
        )
        if move == "a schema named after the role":
            role = await conn.fetchval("SELECT current_user")
            await conn.execute(f'CREATE SCHEMA "{role}"')
        else:
            database = await conn.fetchval("SELECT current_database()")
            await conn.execute("CREATE SCHEMA shadow")
            await conn.execute(f'ALTER DATABASE "{database}" SET search_path = shadow, public')
    finally:
        await conn.close()
    again = PostgresStore(postgres_url, vault=DirectoryVault(tmp_path / "vault"))
    await again.open()
    restarted = await make_harness(store=again, keys=h.keys, counsellor_key=h.counsellor_key)
    with pytest.raises(ForeignSchema) as refused:
        await restarted.service.store.require_authenticated()
    assert "trigger keep_lists" in str(refused.value)
    assert "function keep_lists" in str(refused.value)
    await restarted.close()


async def test_a_genuine_row_of_another_case_is_refused() -> None:
    """A store that answers for one case with another's row (an operator of its own for
    "=" in a schema on the search path did): the row's MAC is genuine, its case is not."""
    h = await make_harness()
    first, _ = await awaiting_approval(h)
    await h.say("jan", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("jan", "Can we talk?")
    other = await h.case_of("jan")
    inner = h.service.store.inner
    real = inner.load_case

    async def wrong(case_id: str) -> object:
        return await real(other if case_id == first else case_id)

    inner.load_case = wrong  # type: ignore[method-assign]
    with pytest.raises(TamperedRecord):
        await h.service.store.load_case(first)
    await h.close()
