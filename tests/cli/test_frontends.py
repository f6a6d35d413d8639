"""``intermediary run NAME``: front ends found through entry points, not by name.

Each test runs the command as a process, with a package of its own put on the path
the way ``pip install`` would (a ``*.dist-info`` folder declaring an entry point in
the ``intermediary.frontends`` group), so what is checked is the installed metadata.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from tests.cli.test_commands import cli

SRC = Path(__file__).resolve().parents[2] / "src" / "intermediary" / "cli"


def install(site: Path, name: str, entry_points: str, module: str = "", code: str = "") -> None:
    """A minimal installed distribution: its metadata, its entry points, its module."""
    info = site / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[intermediary.frontends]\n{entry_points}\n")
    if module:
        (site / f"{module}.py").write_text(code)


def with_site(site: Path) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def test_an_unknown_front_end_is_refused_with_the_installed_ones(tmp_path: Path) -> None:
    told = cli("run", "telegram", "--config", str(tmp_path / "config.toml"))
    assert told.returncode == 2
    assert "There is no front end telegram." in told.stderr
    assert "The installed ones: console, matrix, slack, web." in told.stderr
    assert "Traceback" not in told.stderr


def test_the_bundled_front_ends_are_listed_from_their_entry_points() -> None:
    shown = cli("run", "--help")
    assert shown.returncode == 0
    commands = shown.stdout.split("Commands:")[1]
    assert [line.split()[0] for line in commands.strip().splitlines()] == [
        "console",
        "matrix",
        "slack",
        "web",
    ]
    assert "The console front end on a configured organisation" in commands


def test_a_front_end_of_another_package_is_started_by_its_entry_point(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install(
        site,
        "hello_frontend",
        "hello = hello_frontend:run",
        "hello_frontend",
        'async def run(config_path):\n    """Says hello."""\n'
        '    print("hello from", config_path)\n',
    )
    ran = cli("run", "hello", "--config", "office.toml", env=with_site(site))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "hello from office.toml"
    listed = cli("run", "--help", env=with_site(site))
    assert "hello    Says hello." in listed.stdout
    refused = cli("run", "nope", "--config", "office.toml", env=with_site(site))
    assert "The installed ones: console, hello, matrix, slack, web." in refused.stderr


def test_a_front_end_whose_package_is_missing_says_what_to_install(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install(site, "ghost_frontend", "ghost = intermediary_ghost.runner:run")
    ran = cli("run", "ghost", "--config", "office.toml", env=with_site(site))
    assert ran.returncode == 1
    assert ran.stderr.strip() == (
        "intermediary: The front end ghost cannot start: intermediary_ghost, which it needs, "
        "is not installed. For a front end that comes with intermediary: "
        "pip install 'intermediary[ghost]' (in a source checkout: "
        ".venv/bin/pip install -e '.[ghost]')."
    )
    listed = cli("run", "--help", env=with_site(site))
    assert listed.returncode == 0
    assert "ghost" in listed.stdout
    assert "not installed" in listed.stdout


def test_the_cli_imports_no_adapter() -> None:
    """Neither in its source nor when it runs: the adapters come only as entry points."""
    for path in SRC.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [alias.name for alias in node.names]
                assert not any(
                    n.startswith(("intermediary_slack", "intermediary_matrix")) for n in names
                ), path
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom click.testing import CliRunner\nfrom intermediary.cli import main\n"
            "CliRunner().invoke(main, ['--help'])\n"
            "print(sorted(m for m in sys.modules if m.startswith('intermediary_')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"
