"""The ``intermediary`` command, run as a newcomer would: a real process, stdin, files."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

CASE_ID = re.compile(r"VP-[0-9A-Z]{4}-[0-9A-Z]{4}")
PASSPHRASE = "correct horse battery staple"


def cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "PASS": PASSPHRASE,
        "INTERMEDIARY_PASSPHRASE": PASSPHRASE,
        "COLUMNS": "200",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "intermediary", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=300,
        check=False,
    )


WHOLE_CASE = """\
# a whole case, every party in one script (words before !new: test_first_contact_console.py)
@saskia !info
@saskia !new mode=report disclosure=confidential category=bullying
@saskia The purple stapler incident, again.
@counsellor !reply {case} Thank you. What happened?
@saskia He threw it at me.
@counsellor !draft {case} An employee reports an object was thrown at them.
@saskia !approve 4
@management !ack {case}
@management !ask {case} Were there witnesses?
@counsellor !reply {case} Management asks about witnesses.
@saskia Yes, two.
@counsellor !draft {case} Two witnesses saw it.
@saskia !approve 10
@management !feedback {case}
@management Confirmed.
@management 1
@management A warning.
@management Code of conduct.
@management 2
@counsellor !close {case} resolved bullying
"""


def test_demo_exits_zero_and_finds_no_plaintext() -> None:
    result = cli("demo")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": 0 found") == 3
    assert "Saskia Jansen" in result.stdout  # opened with the counsellor's key at the end


def test_console_plays_a_whole_case_from_standard_input() -> None:
    """Driven line by line like a person at the keyboard: the case id is read back."""
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "intermediary", "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    lines = WHOLE_CASE.splitlines(keepends=True)
    process.stdin.write("".join(lines[:4]))
    process.stdin.flush()
    seen = []
    for line in process.stdout:
        seen.append(line)
        if (found := CASE_ID.search(line)) is not None:
            break
    assert found is not None, "".join(seen)
    rest, _ = process.communicate("".join(lines[4:]).replace("{case}", found.group(0)), timeout=120)
    assert process.returncode == 0
    out = "".join(seen) + rest
    assert "management ▸ Report " + found.group(0) in out
    assert "counsellor ▸ Feedback from management" in out
    assert "saskia ▸ Case " + found.group(0) + " is closed (resolved)" in out
    management = [ln for ln in out.splitlines() if ln.lstrip().startswith("management ▸")]
    assert len(management) >= 5
    assert not any("purple stapler" in ln or "saskia" in ln.lower() for ln in management)


def make_installation(tmp_path: Path) -> tuple[Path, Path]:
    key = tmp_path / "daan.key"
    made = cli(
        "keys",
        "new",
        "--out",
        str(key),
        "--kdf",
        "interactive",
        "--passphrase-env",
        "PASS",
        "--label",
        "Daan",
    )
    assert made.returncode == 0, made.stderr
    public = re.search(r"x25519:\S+", made.stdout)
    assert public is not None
    service = cli(
        "keys",
        "new",
        "--kind",
        "service",
        "--out",
        str(tmp_path / "service.key"),
        "--kdf",
        "interactive",
        "--passphrase-env",
        "PASS",
    )
    assert service.returncode == 0, service.stderr
    assert "ed25519:" in service.stdout
    config = tmp_path / "config.toml"
    config.write_text(f"""
[service]
database = "case.db"
key_file = "service.key"

[[organisations]]
id = "acme"
name = "Acme"

[[organisations.counsellors]]
id = "daan"
name = "Daan"
kind = "external"
public_key = "{public.group(0)}"
addresses = {{ console = "daan" }}

[[organisations.management]]
id = "board"
name = "the board"
addresses = {{ console = "board" }}
""")
    return config, key


def test_a_real_installation_end_to_end(tmp_path: Path) -> None:
    config, key = make_installation(tmp_path)
    opened = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin=(
            "@saskia !new mode=report disclosure=confidential category=bullying\n"
            "@saskia The purple stapler incident, again.\n"
        ),
    )
    assert opened.returncode == 0, opened.stderr
    match = CASE_ID.search(opened.stdout)
    assert match is not None
    case = match.group(0)
    script = WHOLE_CASE.split("\n", 4)[4].replace("{case}", case)
    rest = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin=script.replace("@counsellor", "@daan").replace("@management", "@board"),
    )
    assert rest.returncode == 0, rest.stderr
    assert "board ▸ Follow-up on report" in rest.stdout
    assert "Two witnesses saw it." in rest.stdout
    board_lines = [ln for ln in rest.stdout.splitlines() if ln.lstrip().startswith("board ▸")]
    assert board_lines
    assert not any("stapler" in ln or "saskia" in ln.lower() for ln in board_lines)

    shown = cli(
        "open", case, "--config", str(config), "--key", str(key), "--passphrase-env", "PASS"
    )
    assert shown.returncode == 0, shown.stderr
    assert "The purple stapler incident" in shown.stdout
    assert "Two witnesses" in shown.stdout

    revealed = cli(
        "reveal",
        case,
        "--config",
        str(config),
        "--key",
        str(key),
        "--passphrase-env",
        "PASS",
        "--ground",
        "the reporter asked me to act",
    )
    assert revealed.returncode == 0, revealed.stderr
    assert "address: saskia" in revealed.stdout

    verified = cli("verify", "--config", str(config))
    assert verified.returncode == 0, verified.stdout
    assert "The audit chain verifies." in verified.stdout
    db = sqlite3.connect(tmp_path / "case.db")
    assert db.execute("SELECT count(*) FROM audit WHERE kind = 'reveal'").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM audit WHERE kind = 'export'").fetchone() == (1,)
    db.execute("UPDATE audit SET details = '{}' WHERE seq = 2")
    db.commit()
    db.close()
    broken = cli("verify", "--config", str(config))
    assert broken.returncode == 1
    assert "entry 2: content was edited" in broken.stdout


def test_counsellor_tools_refuse_bad_keys_clearly(tmp_path: Path) -> None:
    config, key = make_installation(tmp_path)
    cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin="@saskia !new mode=consult disclosure=anonymous category=bullying\n@saskia hi\n",
    )
    case = CASE_ID.search(
        sqlite3.connect(tmp_path / "case.db").execute("SELECT case_id FROM cases").fetchone()[0]
    )
    assert case is not None
    wrong = cli(
        "open",
        case.group(0),
        "--config",
        str(config),
        "--key",
        str(key),
        "--passphrase-env",
        "WRONG",
        env={"WRONG": "not it"},
    )
    assert wrong.returncode == 1
    assert "The passphrase does not open this file" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    original = key.read_text()
    key.write_text(original[:40])
    corrupt = cli(
        "open",
        case.group(0),
        "--config",
        str(config),
        "--key",
        str(key),
        "--passphrase-env",
        "PASS",
    )
    assert corrupt.returncode == 1
    assert "is damaged or not an intermediary key file" in corrupt.stderr
    missing = cli(
        "open",
        case.group(0),
        "--config",
        str(config),
        "--key",
        str(tmp_path / "nope.key"),
        "--passphrase-env",
        "PASS",
    )
    assert "There is no key file" in missing.stderr
    anonymous = cli(
        "reveal",
        case.group(0),
        "--config",
        str(config),
        "--key",
        str(tmp_path / "daan.key"),
        "--passphrase-env",
        "PASS",
        "--ground",
        "x",
    )
    assert anonymous.returncode == 1


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("this is [not toml", "is not valid TOML"),
        ("[[organisations]]\nid = 'Acme!'\nname = 'x'\n", "organisations.0"),
        ("[service]\nunknown_field = 1\n[[organisations]]\nid='a'\nname='a'\n", "unknown_field"),
    ],
)
def test_bad_configuration_is_explained(tmp_path: Path, content: str, fragment: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content)
    result = cli("verify", "--config", str(config))
    assert result.returncode == 1
    assert fragment in result.stderr
    assert "The configuration is not valid" in result.stderr
    assert "Traceback" not in result.stderr


def test_console_explains_lines_it_cannot_read() -> None:
    result = cli("console", stdin="hello without a name\n@anna\n")
    assert result.returncode == 0
    assert result.stdout.count("Write '@name text'") == 2


def test_disclosure_records_from_the_counsellors_machine(tmp_path: Path) -> None:
    config, key = make_installation(tmp_path)
    cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin="@saskia !new mode=report disclosure=confidential category=bullying\n@saskia hi\n",
    )
    db = sqlite3.connect(tmp_path / "case.db")
    case = db.execute("SELECT case_id FROM cases").fetchone()[0]
    common = ("--config", str(config), "--key", str(key), "--passphrase-env", "PASS")
    refused = cli(
        "disclose",
        "legal",
        case,
        *common,
        "--basis",
        "court order",
        "--body",
        "the court",
        "--proportionality",
        " ",
        "--reason-not-informed",
        "",
    )
    assert refused.returncode == 1
    assert "written ground is required" in refused.stderr
    legal = cli(
        "disclose",
        "legal",
        case,
        *common,
        "--basis",
        "Sv art. 126nd",
        "--body",
        "public prosecutor",
        "--proportionality",
        "no other way",
    )
    assert legal.returncode == 0, legal.stderr
    all_yes = "".join("y\nbecause it holds\n" for _ in range(8))
    conscience = cli(
        "disclose", "conscience", case, *common, "--recipient", "police", stdin=all_yes
    )
    assert conscience.returncode == 0, conscience.stderr
    one_no = "".join("y\nbecause\n" for _ in range(7)) + "n\nunsure\n"
    failed = cli("disclose", "conscience", case, *common, "--recipient", "police", stdin=one_no)
    assert failed.returncode == 1
    assert "Not met: justifiable" in failed.stderr
    kinds = [k for (k,) in db.execute("SELECT kind FROM audit ORDER BY seq")]
    assert kinds.count("legal_disclosure") == 1
    assert kinds.count("conscience_disclosure") == 1
    db.close()
    # the reporter was told, in the outbox (sealed): the delivery happens on the next run
    told = cli("run", "console", "--config", str(config), stdin="")
    assert "legally obliged to give your identity to public prosecutor" in told.stdout
