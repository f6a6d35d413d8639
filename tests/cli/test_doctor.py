"""``intermediary doctor``, run as an operator would: a real process, real files."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from intermediary import crypto
from tests.cli.test_commands import cli, make_installation


def doctor(config: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    ran = cli("doctor", "--config", str(config), *extra, env=env)
    assert "Traceback" not in ran.stderr, ran.stderr
    return ran.returncode, ran.stdout + ran.stderr


#: the mark each level's lines start with
MARKS = {"ok": "✓", "note": "i", "warning": "!", "PROBLEM": "✗"}


def lines(output: str, level: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.startswith(f"  {MARKS[level]} ")]


def with_case(config: Path) -> str:
    ran = cli(
        "run", "console", "--config", str(config),
        stdin="@saskia !new mode=consult disclosure=anonymous category=bullying\n@saskia hello\n",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    return re.findall(r"VP-[0-9A-Z]{4}-[0-9A-Z]{4}", ran.stdout)[-1]


def set_up_well(tmp_path: Path) -> Path:
    """Vault on its own, a recovery key configured: what the docs ask for."""
    folder = tmp_path / "srv"
    folder.mkdir()
    config, _ = make_installation(folder)
    recovery = cli("keys", "recovery", "--out", str(tmp_path / "shares"))
    public = re.search(r"x25519:\S+", recovery.stdout)
    assert public is not None
    vault = tmp_path / "keys-disk" / "vault"
    vault.parent.mkdir()
    config.write_text(
        config.read_text().replace(
            'database = "case.db"',
            f'database = "case.db"\nvault = "{vault}"\nrecovery_public_key = "{public.group(0)}"',
        )
    )
    return config


def test_a_fresh_default_installation_gets_its_warnings(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    code, out = doctor(config)
    assert code == 1
    assert out.startswith("Checking the installation")
    assert any("service key file" in line and "owner only" in line for line in lines(out, "ok"))
    assert any("passphrase opens" in line for line in lines(out, "ok"))
    warnings = lines(out, "warning")
    assert any("is inside the database's folder" in w and "service.vault" in w for w in warnings)
    assert any("No recovery key" in w for w in warnings)
    assert any("no database at" in n for n in lines(out, "note"))
    assert "0 problems, 2 warnings" in out


def test_an_installation_set_up_as_documented_is_healthy(tmp_path: Path) -> None:
    config = set_up_well(tmp_path)
    case = with_case(config)
    code, out = doctor(config)
    assert code == 0, out
    assert not lines(out, "warning")
    assert not lines(out, "PROBLEM")
    placed = lines(out, "ok") + lines(out, "note")  # (one file system in a test's tmp folder)
    assert any("kept apart" in x or "same file system" in x for x in placed), out
    assert any("(1 case)" in line for line in lines(out, "ok"))
    assert any("has its key in the vault (1)" in line for line in lines(out, "ok"))
    assert case not in out


def test_files_others_can_read_are_problems_with_the_command_that_fixes_them(
    tmp_path: Path,
) -> None:
    config = set_up_well(tmp_path)
    with_case(config)
    folder = config.parent
    (folder / "service.key").chmod(0o644)
    (folder / "case.db").chmod(0o644)
    vault = tmp_path / "keys-disk" / "vault"
    vault.chmod(0o755)
    secret = folder / "passphrase.txt"
    secret.write_text("correct horse battery staple\n")
    secret.chmod(0o640)
    config.write_text(
        config.read_text().replace(
            'key_file = "service.key"',
            'key_file = "service.key"\npassphrase_file = "passphrase.txt"',
        )
    )
    before = {p: (p.stat().st_mode, p.read_bytes()) for p in folder.iterdir() if p.is_file()}

    code, out = doctor(config)
    assert code == 1
    problems = lines(out, "PROBLEM")
    assert any(f"{folder / 'service.key'} has mode 644" in p for p in problems), problems
    assert any(f"{folder / 'case.db'} has mode 644" in p for p in problems), problems
    assert any(f"{vault} has mode 755" in p for p in problems), problems
    assert any(f"{secret} has mode 640" in p for p in problems), problems
    assert all("chmod -R go-rwx" in p for p in problems)
    after = {p: (p.stat().st_mode, p.read_bytes()) for p in folder.iterdir() if p.is_file()}
    assert after == before  # the doctor reports; it changes nothing


def test_the_passphrase_is_tried(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    code, out = doctor(config, env={"INTERMEDIARY_PASSPHRASE": "a wrong one entirely"})
    assert code == 1
    assert any("does not open the service key file" in p for p in lines(out, "PROBLEM"))
    assert "a wrong one entirely" not in out

    code, out = doctor(config, env={"INTERMEDIARY_PASSPHRASE": ""})
    assert any(
        "was not unlocked" in n and "INTERMEDIARY_PASSPHRASE" in n for n in lines(out, "note")
    )


def test_a_missing_key_file_and_a_damaged_database_are_problems(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    with_case(config)
    (tmp_path / "service.key").unlink()
    db = tmp_path / "case.db"
    data = bytearray(db.read_bytes())
    data[:16] = b"not a database!!"
    db.write_bytes(bytes(data))
    code, out = doctor(config)
    assert code == 1
    problems = lines(out, "PROBLEM")
    assert any(
        "There is no service key file" in p and "keys new --kind service" in p for p in problems
    )
    assert any("database cannot be opened" in p for p in problems), problems


def test_a_lost_vault_key_is_found(tmp_path: Path) -> None:
    config = set_up_well(tmp_path)
    case = with_case(config)
    (tmp_path / "keys-disk" / "vault" / f"{case}.key").unlink()
    code, out = doctor(config)
    assert code == 1
    assert any(case in p and "Restore the vault" in p for p in lines(out, "PROBLEM"))


def test_a_missing_database_is_not_created(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    doctor(config)
    assert not (tmp_path / "case.db").exists()
    assert not (tmp_path / "case.db.vault").exists()


def test_the_findings_read_in_dutch(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    code, out = doctor(config, "--locale", "nl")
    assert code == 1
    assert out.startswith("Controle van de installatie")
    assert "  ! De sleutelkluis" in out
    assert "Sleutel van de dienst\n  ✓ " in out
    for english in ("warning", "vault is", "passphrase opens", "owner only", "Service key"):
        assert english not in out


def test_the_matrix_state_folder_is_checked(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    config.write_text(
        config.read_text()
        + '\n[matrix]\nhomeserver = "http://127.0.0.1:1"\nuser_id = "@bot:localhost"\n'
    )
    state = tmp_path / "matrix" / "crypto"
    state.mkdir(parents=True)
    (state / "store.db").write_bytes(b"x")
    (state / "store.db").chmod(0o644)
    code, out = doctor(config)
    assert code == 1
    assert any("chat adapter's state" in p for p in lines(out, "PROBLEM"))
    assert stat.S_IMODE((state / "store.db").stat().st_mode) == 0o644  # reported, not changed


def test_the_configured_verify_key_is_compared_with_the_key_file(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    genuine = str(crypto.read_key_file_public(tmp_path / "service.key")["verify"])
    code, out = doctor(config)
    assert any("No published verify key" in n and genuine in n for n in lines(out, "note"))

    original = config.read_text()
    setting = 'key_file = "service.key"\nverify_key = "{}"'
    config.write_text(original.replace('key_file = "service.key"', setting.format(genuine)))
    code, out = doctor(config)
    assert any("matches the service key file" in x for x in lines(out, "ok")), out

    other = crypto.ServiceKeys.generate().verify_key.encode()
    config.write_text(original.replace('key_file = "service.key"', setting.format(other)))
    code, out = doctor(config)
    assert code == 1
    assert any(other in p and genuine in p for p in lines(out, "PROBLEM")), out


def test_every_finding_the_doctor_can_make_has_both_sentences() -> None:
    from importlib.metadata import entry_points

    from intermediary.text import catalog

    folder = Path(__file__).parents[2] / "src" / "intermediary" / "cli"
    source = (folder / "checkup.py").read_text() + (folder / "doctor.py").read_text()
    keys = set(re.findall(r'Finding\(\s*"\w+",\s*"(\w+)"', source))
    keys |= {f"loose_{thing}" for thing in re.findall(r'_modes\([^)]*,\s*"(\w+)"\)', source)}
    keys |= {"vault_inside", "vault_beside", "heading", "summary"}
    # the headings: the local sections, and one per installed front end's checks
    areas = set(re.findall(r'^\s*\("(\w+)",', source, re.M)) | {"configuration", "platforms"}
    areas |= {point.name for point in entry_points(group="intermediary.checks")}
    assert {"service_key", "counsellors", "slack", "matrix"} <= areas
    keys |= {f"area_{area}" for area in areas}
    assert {"config_invalid", "no_address", "counsellor_key", "platforms_skipped"} <= keys
    for locale in ("en", "nl"):
        missing = {k for k in keys if f"installation.{k}" not in catalog(locale)}
        assert not missing, (locale, missing)


def test_a_configuration_that_cannot_be_used_is_the_one_finding(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    config.write_text(config.read_text().replace('name = "Acme"', 'name = ""'))
    code, out = doctor(config)
    assert code == 1
    problems = lines(out, "PROBLEM")
    assert len(problems) == 1
    assert "cannot be used" in problems[0]
    assert "name" in problems[0]
    assert not lines(out, "ok")  # nothing else was checked on a configuration not understood

    code, out = doctor(tmp_path / "nowhere.toml")
    assert code == 1
    assert any("there is no file" in p for p in lines(out, "PROBLEM")), out


def test_counsellor_keys_are_shown_to_compare_with_the_key_file(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    shown = cli("keys", "show", "--key", str(tmp_path / "daan.key"))
    assert shown.returncode == 0, shown.stderr
    fingerprint = re.search(r"Fingerprint: ([0-9a-f]{16})", shown.stdout)
    assert fingerprint is not None
    code, out = doctor(config, "--offline")
    assert any("daan" in line and fingerprint.group(1) in line for line in lines(out, "ok")), out
    assert any("--offline" in n for n in lines(out, "note"))

    # a configuration where a second counsellor was given the first one's key
    text = config.read_text()
    block = text[
        text.index("[[organisations.counsellors]]") : text.index("[[organisations.management]]")
    ]
    config.write_text(text.replace(block, block + block.replace('id = "daan"', 'id = "eva"')))
    code, out = doctor(config, "--offline")
    assert code == 1
    assert any("acme/eva" in p and "acme/daan" in p for p in lines(out, "PROBLEM")), out


def test_a_party_without_an_address_on_a_configured_platform_is_a_problem(
    tmp_path: Path,
) -> None:
    config, _ = make_installation(tmp_path)
    config.write_text(config.read_text() + '\n[slack]\napi_url = "http://127.0.0.1:1/api/"\n')
    code, out = doctor(config, "--offline")
    assert code == 1
    problems = lines(out, "PROBLEM")
    assert any("acme/daan" in p and "slack" in p for p in problems), out
    assert out.count("has no slack address") == 2  # the counsellor and management


def _front_end(tmp_path: Path, body: str) -> dict[str, str]:
    """A package declaring its own doctor check, installed the way pip installs one."""
    site = tmp_path / "site"
    (site / "extra_front").mkdir(parents=True)
    (site / "extra_front" / "__init__.py").write_text(body)
    info = site / "extra_front-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: extra-front\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[intermediary.checks]\nextra = extra_front:check\nmissing = no_such_module:check\n"
    )
    return {"PYTHONPATH": str(site)}


def test_a_front_ends_own_checks_are_run_and_a_failing_one_does_not_hide_the_rest(
    tmp_path: Path,
) -> None:
    config, _ = make_installation(tmp_path)
    env = _front_end(
        tmp_path,
        "async def check(config):\n    raise RuntimeError('token xoxb-secret-123 refused')\n",
    )
    code, out = doctor(config, env=env)
    assert code == 1
    failed = [p for p in lines(out, "PROBLEM") if "extra checks stopped" in p]
    assert failed, out
    assert "RuntimeError" in failed[0]
    assert "xoxb-secret-123" not in out  # the error's message may carry a secret
    assert "Extra\n" in out  # a heading for a front end the catalogue does not know
    assert any("passphrase opens" in line for line in lines(out, "ok"))  # the rest ran
    assert "no_such_module" not in out  # not configured, so not missed

    code, out = doctor(config, "--offline", env=env)
    assert "extra checks stopped" not in out
