"""Logs at their most verbose hold no index, hash or ciphertext (issue 14, item 11).

An operator runs ``intermediary -vv`` to chase a problem and keeps the output: it must
not become a second copy of what the database protects. aiosqlite logged every
statement with its parameters (reporter lookups, receipt hashes, ciphertext), and the
Matrix adapter's redaction rewrote messages but not tracebacks.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from intermediary_matrix.redact import install
from intermediary_slack.logs import install as install_slack

from tests.cli.test_commands import cli, make_installation


def test_the_most_verbose_log_holds_no_stored_secret(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    ran = cli(
        "-vv",
        "run",
        "console",
        "--config",
        str(config),
        stdin="@saskia !new mode=report disclosure=confidential category=bullying\n"
        "@saskia The purple stapler incident.\n@saskia !status\n",
    )
    assert ran.returncode == 0, ran.stderr
    assert "DEBUG" in ran.stderr  # the level really was debug
    with sqlite3.connect(tmp_path / "case.db") as conn:
        secrets = [
            *(r[0] for r in conn.execute("SELECT lookup FROM reporters")),
            *(r[0] for r in conn.execute("SELECT receipt_hash FROM cases")),
            *(r[0] for r in conn.execute("SELECT mac FROM cases")),
            *(r[0] for r in conn.execute("SELECT reporter_index FROM cases")),
            *(bytes(r[0]).hex()[:32] for r in conn.execute("SELECT blob FROM routing")),
        ]
    assert len(secrets) == 5
    for secret in secrets:
        assert secret not in ran.stderr
        assert secret not in ran.stdout
    assert "aiosqlite" not in ran.stderr  # its statement-by-statement debug output is off


def test_a_matrix_failure_traceback_is_redacted_where_it_is_written(tmp_path: Path) -> None:
    """With the adapter's redaction installed on the handlers, as ``run matrix`` does, the
    traceback of a failure about a reporter's room is written without their id."""
    log_file = tmp_path / "bot.log"
    handler = logging.FileHandler(log_file)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install(root)
        try:
            raise OSError("cannot send to !dmroom:example.org of @saskia.jansen:example.org")
        except OSError:
            logging.getLogger("intermediary.matrix").exception("delivery failed")
    finally:
        root.removeHandler(handler)
        handler.close()
    written = log_file.read_text()
    assert "Traceback" in written
    assert "saskia" not in written
    assert "!dmroom" not in written


def test_a_slack_failure_traceback_is_redacted_where_it_is_written(tmp_path: Path) -> None:
    log_file = tmp_path / "app.log"
    handler = logging.FileHandler(log_file)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install_slack(root)
        try:
            raise OSError("cannot open a DM with U0123SASKIA in T0ACME01")
        except OSError:
            logging.getLogger("intermediary.slack").exception(
                "delivery failed", extra={"user": "U0123SASKIA"}, stack_info=True
            )
    finally:
        root.removeHandler(handler)
        handler.close()
    written = log_file.read_text()
    assert "Traceback" in written
    assert "U0123SASKIA" not in written
    assert "[slack id]" in written
