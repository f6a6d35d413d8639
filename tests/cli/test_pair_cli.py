"""``intermediary keys share``: a second counsellor is given the key of one case from the
command line, only after the reporter agreed in the chat, and then opens it herself."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_commands import cli, make_installation
from tests.cli.test_office import KEYS, add_successor_and_recovery, console, new_case


def test_a_second_counsellor_is_given_the_key_after_the_reporter_agreed(tmp_path: Path) -> None:
    config, daan = make_installation(tmp_path)
    ilse, _shares = add_successor_and_recovery(tmp_path, config)
    case = new_case(config, "saskia", "The purple stapler incident.", choice="1")

    def share() -> tuple[int, str, str]:
        ran = cli(
            "keys", "share", case, "--config", str(config), "--key", str(daan), *KEYS,
            "--with", "ilse",
        )  # fmt: skip
        return ran.returncode, ran.stdout, ran.stderr

    code, _out, err = share()
    assert code == 1
    assert "has not agreed" in err
    assert cli("open", case, "--config", str(config), "--key", str(ilse), *KEYS).returncode == 1

    said = console(config, f"@daan !pair {case} add ilse\n@saskia !pair yes\n")
    assert "Ilse" in said
    code, out, err = share()
    assert code == 0, err
    assert f"ilse now holds the key of {case}" in out
    opened = cli("open", case, "--config", str(config), "--key", str(ilse), *KEYS)
    assert opened.returncode == 0, opened.stderr
    assert "stapler" in opened.stdout
