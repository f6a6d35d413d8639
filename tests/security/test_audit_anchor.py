"""The audit chain holds against whoever holds the database, and the service key file
(issue 14, item 4).

The chain already showed edited, removed and reordered entries *between* others. Here
the insider cuts its newest entries off, and, holding the service key file too, swaps the
verify key in that file and signs a chain of their own. ``intermediary verify`` checks
against the *published* verify key (an option or the configured value, its fingerprint
printed), against checkpoints kept elsewhere (posted to the counsellors by the running
service, or printed by ``intermediary audit head``), and against the case records.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.core import CounsellorActor, CounsellorId, OrgId
from intermediary.crypto.vault import MemoryVault
from intermediary.errors import ConfigError, IntegrityError
from intermediary.office.keeper import Office
from intermediary.runtime import DEMO_COUNSELLOR, demo_config
from intermediary.service.audit import GENESIS, linker
from intermediary.service.checkpoint import check_checkpoint, make_checkpoint, parse_checkpoint
from intermediary.service.facade import Service
from intermediary.store import AuditDraft, MemoryStore
from tests.cli.test_commands import CASE_ID, PASSPHRASE, WHOLE_CASE, cli, make_installation
from tests.harness import make_harness, run_whole_case

TOKEN = re.compile(r"IAH1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def installation_with_a_closed_case(tmp_path: Path) -> tuple[Path, str]:
    config, _ = make_installation(tmp_path)
    opened = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin="@saskia !new mode=report disclosure=confidential category=bullying\n"
        "@saskia The purple stapler incident.\n",
    )
    case = CASE_ID.findall(opened.stdout)[0]
    script = WHOLE_CASE.split("\n", 4)[4].replace("{case}", case)
    done = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin=script.replace("@counsellor", "@daan").replace("@management", "@board"),
    )
    assert done.returncode == 0, done.stderr
    return config, case


def cut(db: Path, after: int) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM audit WHERE seq > ?", (after,))


def test_the_newest_entries_cut_off_are_found_with_and_without_a_checkpoint(
    tmp_path: Path,
) -> None:
    config, case = installation_with_a_closed_case(tmp_path)
    head = cli("audit", "head", "--config", str(config))
    assert head.returncode == 0, head.stderr
    token = TOKEN.search(head.stdout)
    assert token is not None
    good = cli("verify", "--config", str(config), "--head", token.group(0))
    assert good.returncode == 0, good.stdout + good.stderr
    with sqlite3.connect(tmp_path / "case.db") as conn:
        (entries,) = conn.execute("SELECT count(*) FROM audit").fetchone()
        (closing,) = conn.execute("SELECT seq FROM audit WHERE kind = 'closed'").fetchone()

    cut(tmp_path / "case.db", closing - 1)  # the closing and everything after it
    # no checkpoint at hand: the case record (MAC'd) still says closed
    without = cli("verify", "--config", str(config))
    assert without.returncode == 1
    assert f"case {case}: closed, but the chain does not say so" in without.stdout
    # with the checkpoint, the cut itself is named
    checked = cli("verify", "--config", str(config), "--head", token.group(0))
    assert checked.returncode == 1
    assert f"before checkpoint entry {entries}: its newest entries were removed" in checked.stdout
    # and with only the chain (no passphrase) the checkpoint still finds it
    chain_only = cli("verify", "--config", str(config), "--chain-only", "--head", token.group(0))
    assert chain_only.returncode == 1
    assert "its newest entries were removed" in chain_only.stdout


def swap_key_file_and_resign(tmp_path: Path) -> crypto.ServiceKeys:
    """The insider's rewrite: a key of their own in the service key file, and every audit
    entry linked and signed anew with it (content unchanged, so hashes match)."""
    mine = crypto.ServiceKeys.generate()
    crypto.save_service_keys(tmp_path / "service.key", mine, PASSPHRASE, limits=crypto.MIN)
    link = linker(mine)
    with sqlite3.connect(tmp_path / "case.db") as conn:
        rows = conn.execute(
            "SELECT seq, org_id, case_id, kind, actor_role, details, at FROM audit ORDER BY seq"
        ).fetchall()
        head = None
        for seq, org, case, kind, role, details, at in rows:
            head = link(
                head,
                AuditDraft(
                    org_id=org,
                    case_id=case,
                    kind=kind,
                    actor_role=role,
                    details=details,
                    at=datetime.fromisoformat(at),
                ),
            )
            assert head.seq == seq
            conn.execute(
                "UPDATE audit SET prev_hash = ?, hash = ?, signature = ? WHERE seq = ?",
                (head.prev_hash, head.hash, head.signature, seq),
            )
    return mine


def test_a_swapped_key_file_and_a_resigned_chain_fail_against_the_published_key(
    tmp_path: Path,
) -> None:
    config, _ = installation_with_a_closed_case(tmp_path)
    published = crypto.read_key_file_public(tmp_path / "service.key")["verify"]
    before = cli("verify", "--config", str(config), "--verify-key", published)
    assert before.returncode == 0, before.stdout
    fingerprint = crypto.ServiceVerifyKey.decode(published).fingerprint()
    assert f"fingerprint {fingerprint}" in before.stdout

    swap_key_file_and_resign(tmp_path)
    # trusting the key file, as verify used to, the rewrite passes (and says so loudly)
    trusting = cli("verify", "--config", str(config), "--chain-only")
    assert trusting.returncode == 0
    assert "NOT a published key" in trusting.stdout
    assert "no published verify key given" in trusting.stderr
    # against the published key, every signature fails and the swap is named
    given = cli("verify", "--config", str(config), "--verify-key", published, "--chain-only")
    assert given.returncode == 1
    assert "signature does not verify" in given.stdout
    assert "the key file was replaced" in given.stdout
    # the same with the key published in the configuration; and the service refuses to run
    text = config.read_text().replace("[service]\n", f'[service]\nverify_key = "{published}"\n')
    config.write_text(text)
    configured = cli("verify", "--config", str(config), "--chain-only")
    assert configured.returncode == 1
    assert "the configured service.verify_key" in configured.stdout
    refused = cli("run", "console", "--config", str(config), stdin="@saskia hello\n")
    assert refused.returncode == 1
    assert "was the key file replaced?" in refused.stderr


async def test_the_service_posts_a_signed_checkpoint_to_every_counsellor_daily(
    tmp_path: Path,
) -> None:
    h = await make_harness(tmp_path / "case.db")
    case = await run_whole_case(h)
    result = await h.office.sweep()
    await h.worker.run_once()
    assert result.checkpoints == 1  # the demo organisation has one counsellor
    posted = [t for t in h.inbox("counsellor") if "Audit checkpoint" in t]
    assert len(posted) == 1
    token = TOKEN.search(posted[0])
    assert token is not None
    checkpoint = parse_checkpoint(token.group(0), h.keys.verify_key)
    chain = await h.store.audit_log()
    assert checkpoint.signed
    assert (checkpoint.seq, checkpoint.hash) == (chain[-1].seq, chain[-1].hash)
    assert check_checkpoint(chain, checkpoint) is None
    # nothing new: no second one; a day later, the chain grown: the next
    assert (await h.office.sweep()).checkpoints == 0
    h.clock.advance(days=1)
    await h.say("counsellor", f"!note {case} Filed.")
    assert (await h.office.sweep()).checkpoints == 1
    # what the insider does afterwards no longer matches what the counsellor kept
    with sqlite3.connect(tmp_path / "case.db") as conn:
        conn.execute("DELETE FROM audit WHERE seq >= ?", (checkpoint.seq,))
    problem = check_checkpoint(await h.store.audit_log(), checkpoint)
    assert problem is not None
    assert "newest entries were removed" in problem
    await h.close()


async def test_an_export_gets_its_own_checkpoint_once_however_often_the_service_restarts(
    tmp_path: Path,
) -> None:
    """After a case file is opened (an export), a checkpoint goes out at once; a service
    restarted four times that day does not post it again (the review saw one per start),
    and the day's own checkpoint still goes out once."""
    h = await make_harness(tmp_path / "case.db")
    case = await run_whole_case(h)
    daan = CounsellorActor(OrgId("demo"), CounsellorId(DEMO_COUNSELLOR))
    await h.service.record_export(daan, case, "case file opened")
    assert (await h.office.sweep()).checkpoints == 1  # at once, for the export
    assert (await h.office.sweep()).checkpoints == 0  # that head is held already
    for restart in range(4):
        await h.say("counsellor", f"!note {case} Filed, {restart}.")
        # the first start after the chain grew sends the day's own, then nothing
        assert (await Office(h.service).sweep()).checkpoints == (1 if restart == 0 else 0)
    await h.worker.run_once()
    assert len([t for t in h.inbox("counsellor") if "Audit checkpoint" in t]) == 2
    await h.close()


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    keys, other = crypto.ServiceKeys.generate(), crypto.ServiceKeys.generate()
    head = linker(other)(
        None,
        AuditDraft(
            org_id="acme",
            case_id=None,
            kind="x",
            actor_role="system",
            details=json.dumps({}),
            at=datetime(2027, 3, 1, tzinfo=UTC),
        ),
    )
    forged = make_checkpoint(other, head)
    with pytest.raises(IntegrityError):
        parse_checkpoint(forged, keys.verify_key)
    assert parse_checkpoint(f"{head.seq}:{head.hash}", keys.verify_key).seq == 1
    assert parse_checkpoint(head.hash, None).seq is None
    assert head.prev_hash == GENESIS
    with pytest.raises(IntegrityError):
        parse_checkpoint("1:nothex", None)


async def test_a_key_file_that_is_not_the_published_one_does_not_start() -> None:
    published = crypto.ServiceKeys.generate()
    config = demo_config(crypto.CounsellorKey.generate().public)
    config = config.model_copy(
        update={
            "service": config.service.model_copy(
                update={"verify_key": published.verify_key.encode()}
            )
        }
    )
    with pytest.raises(ConfigError, match="was the key file replaced"):
        Service(
            store=MemoryStore(vault=MemoryVault()),
            keys=crypto.ServiceKeys.generate(),
            config=config,
            platform="console",
        )
    Service(
        store=MemoryStore(vault=MemoryVault()), keys=published, config=config, platform="console"
    )
