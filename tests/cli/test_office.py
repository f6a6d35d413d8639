"""The office's commands, run as a counsellor would: real processes, files, a real database."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

from tests.cli.test_commands import CASE_ID, cli, make_installation

KEYS = ("--passphrase-env", "PASS")


def console(config: Path, script: str) -> str:
    ran = cli("run", "console", "--config", str(config), stdin=script)
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


def new_case(config: Path, name: str, text: str, choice: str | None = None) -> str:
    script = f"@{name} !new mode=report disclosure=confidential category=bullying\n"
    script += f"@{name} {choice}\n" if choice else ""
    out = console(config, script + f"@{name} {text}\n")
    found = CASE_ID.findall(out)
    assert found, out
    return found[-1]


def test_report_hold_purge_and_excerpt(tmp_path: Path) -> None:
    config, key = make_installation(tmp_path)
    case = new_case(config, "saskia", "The purple stapler incident, again.")
    console(config, f"@daan !close {case} resolved bullying\n")
    year = re.search(r"\b20\d\d\b", cli("audit-excerpt", case, "--config", str(config)).stdout)
    assert year is not None

    added = cli(
        "activity", "add", "acme", year.group(0), "intervision", "6,5", "--config", str(config)
    )
    assert added.returncode == 0, added.stderr
    assert "6.5 hour(s) of intervision" in added.stdout
    for bad_kind, bad_amount, message in (
        ("juggling", "2", "Unknown kind of activity juggling"),
        ("sessions", "0", "must be a positive number"),
        ("sessions", "many", "must be a positive number"),
    ):
        refused = cli(
            "activity", "add", "acme", year.group(0), bad_kind, bad_amount, "--config", str(config)
        )
        assert refused.returncode == 1
        assert message in refused.stderr

    out = tmp_path / "reports"
    out.mkdir()
    trends = tmp_path / "trends.txt"
    trends.write_text("More questions about workload this year.", "utf-8")
    made = cli(
        "report",
        "acme",
        year.group(0),
        "--config",
        str(config),
        "--out",
        str(out),
        "--trends",
        str(trends),
        "--yes",
    )
    assert made.returncode == 0, made.stderr
    html = (out / f"acme-{year.group(0)}.html").read_text("utf-8")
    csv = (out / f"acme-{year.group(0)}.csv").read_text("utf-8-sig")
    assert "More questions about workload" in html
    assert "6.5" in html
    for secret in ("stapler", "saskia", case):
        assert secret not in html
        assert secret not in csv
    assert not re.search(r"""(src|href)=["']?https?:""", html)  # self-contained
    for args, message in (
        (("acme", "1999"), "no cases"),
        (("nobody", year.group(0)), "nobody"),
        (("acme", "twenty"), "not a year"),
        (("acme", ""), "not a year"),
    ):
        refused = cli("report", *args, "--config", str(config), "--out", str(out))
        assert refused.returncode == 1, refused.stdout
        assert message in refused.stderr.lower() or message in refused.stderr

    held = cli(
        "hold",
        case,
        "--config",
        str(config),
        "--key",
        str(key),
        *KEYS,
        "--reason",
        "Court case 2027/113",
        "--until",
        "2099-12-31",
    )
    assert held.returncode == 0, held.stderr
    refused = cli("purge", case, "--config", str(config), "--yes")
    assert refused.returncode == 1
    assert "legal hold" in refused.stderr
    asked = cli("purge", case, "--config", str(config), stdin="y\n")
    assert asked.returncode == 1
    assert "legal hold" in asked.stderr
    assert "Continue?" not in asked.stdout  # refused before it is asked
    released = cli(
        "hold",
        case,
        "--config",
        str(config),
        "--key",
        str(key),
        *KEYS,
        "--release",
        "--reason",
        "the court case ended",
    )
    assert released.returncode == 0, released.stderr
    assert cli("purge", case, "--config", str(config), "--yes").returncode == 0
    late = cli("hold", case, "--config", str(config), "--key", str(key), *KEYS, "--reason", "x")
    assert late.returncode == 1
    assert "has been destroyed" in late.stderr
    gone = cli("open", case, "--config", str(config), "--key", str(key), *KEYS)
    assert gone.returncode == 1
    assert "has been destroyed" in gone.stderr

    excerpt = cli("audit-excerpt", case, "--config", str(config), "--json")
    assert excerpt.returncode == 0, excerpt.stderr
    data = json.loads(excerpt.stdout)
    events = [e["event"] for e in data["events"]]
    assert events[0] == "case_opened"
    assert {"legal_hold", "legal_hold_released", "purged"} <= set(events)
    assert data["chain_verifies"] is True
    assert "Court case" not in excerpt.stdout
    assert "stapler" not in excerpt.stdout
    assert cli("audit-excerpt", "VP-0000-0000", "--config", str(config)).returncode == 1

    final = cli(
        "report", "acme", year.group(0), "--config", str(config), "--out", str(out), "--final"
    )
    assert final.returncode == 1  # the year is not over: only a draft (tests/office/report/)
    assert "is not over yet" in final.stderr
    assert "Nothing to purge" in cli("purge", "--due", "--config", str(config)).stdout
    assert cli("verify", "--config", str(config)).returncode == 0


def add_successor_and_recovery(tmp_path: Path, config: Path) -> tuple[Path, list[str]]:
    made = cli("keys", "new", "--out", str(tmp_path / "ilse.key"), "--kdf", "interactive", *KEYS)
    assert made.returncode == 0, made.stderr
    ilse = re.search(r"x25519:\S+", made.stdout)
    recovery = cli(
        "keys", "recovery", "--shares", "3", "--threshold", "2", "--out", str(tmp_path / "shares")
    )
    assert recovery.returncode == 0, recovery.stderr
    public = re.search(r"x25519:\S+", recovery.stdout)
    assert ilse is not None
    assert public is not None
    shares = [p.read_text("utf-8").strip() for p in sorted((tmp_path / "shares").iterdir())]
    assert len(shares) == 3
    text = config.read_text("utf-8").replace(
        'key_file = "service.key"',
        f'key_file = "service.key"\nrecovery_public_key = "{public.group(0)}"',
    )
    text += f"""
[[organisations.counsellors]]
id = "ilse"
name = "Ilse"
kind = "internal"
public_key = "{ilse.group(0)}"
addresses = {{ console = "ilse" }}
"""
    config.write_text(text, "utf-8")
    return tmp_path / "ilse.key", shares


def test_handover_and_recovery_from_the_command_line(tmp_path: Path) -> None:
    config, daan = make_installation(tmp_path)
    ilse, shares = add_successor_and_recovery(tmp_path, config)
    case = new_case(config, "saskia", "The purple stapler incident.", choice="1")
    closed = new_case(config, "anna", "An old matter.", choice="1")
    console(config, f"@daan !close {closed} resolved bullying\n")

    wrong = cli(
        "keys", "handover", "--config", str(config), "--key", str(daan), *KEYS, "--to", "board"
    )
    assert wrong.returncode == 1
    assert "board is not a counsellor of acme" in wrong.stderr
    moved = cli(
        "keys", "handover", "--config", str(config), "--key", str(daan), *KEYS, "--to", "ilse"
    )
    assert moved.returncode == 0, moved.stderr
    assert f"Handed over 1 open case(s): {case}" in moved.stdout
    assert closed in moved.stdout  # named as staying
    assert "stapler" in cli("open", case, "--config", str(config), "--key", str(ilse), *KEYS).stdout
    assert cli("open", case, "--config", str(config), "--key", str(daan), *KEYS).returncode == 1
    assert (
        "old matter"
        in cli("open", closed, "--config", str(config), "--key", str(daan), *KEYS).stdout
    )

    def recover(*extra: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return cli("recover", "--config", str(config), "--counsellor", "ilse", *extra, stdin=stdin)

    shares_file = tmp_path / "given.txt"
    shares_file.write_text(shares[0] + "\n", "utf-8")
    few = recover("--shares-file", str(shares_file))
    assert few.returncode == 1
    assert "Not enough shares" in few.stderr
    shares_file.write_text(f"{shares[1]}\n{shares[1]}\n", "utf-8")
    twice = recover("--shares-file", str(shares_file))
    assert twice.returncode == 1
    assert "the same share" in twice.stderr
    # typed at the prompt, as the share holders would
    typed = recover(stdin=f"{shares[2]}\n{shares[0]}\n")
    assert typed.returncode == 0, typed.stderr
    assert "1 case(s) now open with the key of ilse" in typed.stdout
    db = sqlite3.connect(tmp_path / "case.db")
    kinds = [k for (k,) in db.execute("SELECT kind FROM audit ORDER BY seq")]
    db.close()
    assert kinds.count("handover") == 1
    assert "recovery_used" in kinds


def test_a_proof_of_report_verifies_offline_and_a_tampered_one_fails(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    case = new_case(config, "saskia", "The purple stapler incident.")
    out = console(config, f"@saskia !proof {case}\n")
    token = re.search(r"IVP1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", out)
    assert token is not None
    saved = tmp_path / "my-proof.txt"
    saved.write_text(f"Saved from the chat:\n{token.group(0)}\n", "utf-8")
    checked = cli("proof", "verify", str(saved), "--config", str(config))
    assert checked.returncode == 0, checked.stderr
    assert f"case: {case}" in checked.stdout
    assert "The proof is valid" in checked.stdout
    head, body, signature = token.group(0).split(".")
    forged = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    saved.write_text(f"{head}.{forged}.{signature}", "utf-8")
    tampered = cli("proof", "verify", str(saved), "--config", str(config))
    assert tampered.returncode == 1
    assert "This proof is not valid" in tampered.stderr
    other = cli(
        "keys",
        "new",
        "--kind",
        "service",
        "--out",
        str(tmp_path / "other.key"),
        "--kdf",
        "interactive",
        *KEYS,
    )
    other_key = re.search(r"ed25519:\S+", other.stdout)
    assert other_key is not None
    saved.write_text(token.group(0), "utf-8")
    foreign = cli("proof", "verify", str(saved), "--verify-key", other_key.group(0))
    assert foreign.returncode == 1


def test_intervision_summary_is_shown_then_written_only_when_confirmed(tmp_path: Path) -> None:
    config, key = make_installation(tmp_path)
    case = new_case(config, "saskia", 'On 12 March Piet de Vries said "you are useless" in Acme.')
    target = tmp_path / "intervision.md"
    declined = cli(
        "intervision",
        case,
        "--config",
        str(config),
        "--key",
        str(key),
        *KEYS,
        "--out",
        str(target),
        stdin="n\n",
    )
    assert declined.returncode == 0, declined.stderr
    assert "Nothing was written" in declined.stdout
    assert not target.exists()
    written = cli(
        "intervision",
        case,
        "--config",
        str(config),
        "--key",
        str(key),
        *KEYS,
        "--out",
        str(target),
        "--name",
        "Piet de Vries",
        stdin="y\n",
    )
    assert written.returncode == 0, written.stderr
    text = target.read_text("utf-8")
    assert "anonymised" in text
    for secret in ("Piet", "Vries", "useless", "12 March", "Acme", case, "saskia"):
        assert secret not in text, secret
