"""Configuration files: each bad one is refused with the field and the fix, and
nothing is created.

Each item is a whole file (a mutation of a valid one). It is loaded twice: with
:func:`intermediary.config.load_config` (a :class:`ConfigError` naming what is wrong),
and through the real command line (``intermediary verify --config``, in process),
which must print that sentence, exit 1 and show no traceback. Nothing may appear in
the folder (no database, no vault), the file itself is untouched, and once it is
fixed the same path loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from intermediary_matrix.settings import MatrixSettings
from intermediary_slack.settings import SlackSettings

from intermediary import crypto
from intermediary.cli import main
from intermediary.config import load_config
from intermediary.errors import ConfigError
from tests.reliability.corpus.cases import CONTROL_CHARS, INVALID_UTF8, Item, ids

KEY = crypto.CounsellorKey.generate().public.encode()

GOOD_TOML = f"""
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
public_key = "{KEY}"
addresses = {{ console = "daan" }}

[[organisations.management]]
id = "board"
name = "the board"
addresses = {{ console = "board" }}
"""

INVALID = "The configuration is not valid"


def toml(category: str, name: str, content: str | bytes, *expect: str, **extra: Any) -> Item:
    return Item(category, name, content, tuple(expect), extra)


def changed(old: str, new: str) -> str:
    assert old in GOOD_TOML, old
    return GOOD_TOML.replace(old, new, 1)


def without(line: str) -> str:
    return changed(line + "\n", "")


ITEMS: list[Item] = [
    # not TOML at all
    toml("malformed", "not_toml", "this is [not toml", "is not valid TOML"),
    toml("malformed", "unclosed_table", "[service\n", "is not valid TOML"),
    toml("malformed", "unterminated_string", changed('"Acme"', '"Acme'), "is not valid TOML"),
    toml(
        "malformed",
        "duplicate_key",
        changed('name = "Acme"', 'name = "Acme"\nname = "B"'),
        "is not valid TOML",
    ),
    toml("malformed", "json_instead", '{"organisations": []}', "is not valid TOML"),
    toml("malformed", "yaml_instead", "organisations:\n  - id: acme\n", "is not valid TOML"),
    toml("malformed", "binary_garbage", bytes(range(1, 200)) * 3, "is not"),
    # the wrong types
    toml("wrong_type", "organisations_string", 'organisations = "acme"\n', "organisations"),
    toml(
        "wrong_type",
        "rate_burst_string",
        changed('key_file = "service.key"', 'key_file = "service.key"\nrate_burst = "many"'),
        "service.rate_burst",
    ),
    toml("wrong_type", "public_key_number", changed(f'"{KEY}"', "42"), "public_key"),
    toml(
        "wrong_type", "public_key_not_a_key", changed(KEY, "x25519:AAAA"), "public_key", "not valid"
    ),
    toml("wrong_type", "addresses_list", changed('{ console = "daan" }', '["daan"]'), "addresses"),
    toml(
        "wrong_type",
        "members_string",
        changed(
            'addresses = { console = "board" }',
            'addresses = { console = "board" }\nmembers = { slack = "UBOSS" }',
        ),
        "members",
    ),
    toml("wrong_type", "kind_unknown", changed('"external"', '"wizard"'), "kind"),
    toml(
        "wrong_type",
        "locale_unknown",
        changed('name = "Acme"', 'name = "Acme"\nlocale = "fr"'),
        "locale",
    ),
    toml(
        "wrong_type",
        "timezone_unknown",
        changed('name = "Acme"', 'name = "Acme"\ntimezone = "Mars/Olympus"'),
        "unknown timezone",
    ),
    toml(
        "wrong_type",
        "batch_time",
        changed('name = "Acme"\n', 'name = "Acme"\n[organisations.batch]\ntimes = ["25:00"]\n'),
        "not a time like 09:00",
    ),
    toml(
        "wrong_type",
        "bool_as_string",
        changed('name = "Acme"', 'name = "Acme"\nallow_unencrypted_dm = "yes please"'),
        "allow_unencrypted_dm",
    ),
    toml(
        "wrong_type",
        "id_not_a_slug",
        changed('id = "acme"', 'id = "Acme Corp!"'),
        "organisations.0.id",
    ),
    toml(
        "wrong_type",
        "recovery_key_not_a_key",
        changed(
            'key_file = "service.key"',
            'key_file = "service.key"\nrecovery_public_key = "x25519:nope"',
        ),
        "recovery_public_key",
    ),
    toml(
        "wrong_type",
        "matrix_homeserver",
        GOOD_TOML + '\n[matrix]\nhomeserver = "ftp://x"\nuser_id = "@bot:x"\n',
        "matrix.homeserver",
        adapter="matrix",
    ),
    toml(
        "wrong_type",
        "slack_mode",
        GOOD_TOML + '\n[slack]\nmode = "carrier-pigeon"\n',
        "slack.mode",
        adapter="slack",
    ),
    # missing what is required
    toml(
        "missing_field",
        "empty_file",
        "",
        "organisations: this setting is required and missing",
    ),
    toml(
        "missing_field",
        "no_organisations",
        "[service]\n",
        "organisations: this setting is required and missing",
    ),
    toml("missing_field", "organisation_name", without('name = "Acme"'), "organisations.0.name"),
    toml(
        "missing_field",
        "counsellors",
        GOOD_TOML.split("[[organisations.counsellors]]")[0]
        + "[[organisations.management]]\nid = 'board'\nname = 'b'\n",
        "counsellors",
    ),
    toml("missing_field", "public_key", without(f'public_key = "{KEY}"'), "public_key"),
    toml("missing_field", "kind", without('kind = "external"'), "kind"),
    toml(
        "missing_field",
        "management_empty",
        GOOD_TOML.split("[[organisations.management]]")[0] + "management = []\n",
        "management",
    ),
    toml(
        "missing_field",
        "matrix_user_id",
        GOOD_TOML + '\n[matrix]\nhomeserver = "https://x.org"\n',
        "matrix.user_id",
        adapter="matrix",
    ),
    # unknown keys: a typo must not be silently ignored
    toml(
        "unknown",
        "service_key",
        changed('key_file = "service.key"', 'key_file = "service.key"\nunknown_field = 1'),
        "unknown_field",
    ),
    toml("unknown", "misspelt_name", changed('name = "Acme"', 'name = "Acme"\nnmae = "x"'), "nmae"),
    toml("unknown", "top_level_table", GOOD_TOML + "\n[matrixx]\nx = 1\n", "matrixx"),
    toml(
        "unknown",
        "slack_key",
        GOOD_TOML + '\n[slack]\nsigning_secret = "s3cr3t"\n',
        "slack.signing_secret",
        adapter="slack",
    ),
    # far too large
    toml(
        "oversized",
        "name_201",
        changed('name = "Acme"', f'name = "{"A" * 201}"'),
        "at most 200 characters",
    ),
    toml(
        "oversized", "id_100", changed('id = "acme"', f'id = "{"a" * 100}"'), "organisations.0.id"
    ),
    toml(
        "oversized",
        "text_limit",
        changed('name = "Acme"', 'name = "Acme"\ntext_limit = 99999999999999999999999'),
        "text_limit",
    ),
    toml(
        "oversized",
        "housekeeping",
        changed(
            'key_file = "service.key"', 'key_file = "service.key"\nhousekeeping_seconds = 10000000'
        ),
        "housekeeping_seconds",
    ),
    toml(
        "oversized",
        "file_of_3_mib",
        GOOD_TOML + "#" + "x" * 3 * 2**20 + "\n",
        "larger than 1 MiB",
        "right file",
    ),
    # bytes that are not UTF-8
    *(
        toml(
            "invalid_utf8",
            n,
            GOOD_TOML.encode().replace(b"Acme", b"Ac" + raw),
            "is not UTF-8 text",
            "save it as UTF-8",
        )
        for n, raw in INVALID_UTF8.items()
    ),
    toml("invalid_utf8", "utf16_file", GOOD_TOML.encode("utf-16"), "is not UTF-8 text"),
    # invisible characters in what people are shown
    *(
        toml(
            "control_bidi",
            f"organisation_name_{n}",
            changed(
                'name = "Acme"',
                'name = "Ac' + c.encode("unicode_escape").decode().replace("\\x", "\\u00") + 'me"',
            ),
            "organisations.0.name",
            "control or direction characters",
        )
        for n, c in CONTROL_CHARS.items()
        if len(c) == 1
    ),
    toml(
        "control_bidi",
        "counsellor_name_rlo",
        changed('name = "Daan"', 'name = "Da\\u202Ean"'),
        "counsellors.0.name",
        "control or direction characters",
    ),
    toml(
        "control_bidi",
        "destination_name_rli",
        changed('name = "the board"', 'name = "the \\u2067board"'),
        "management.0.name",
        "control or direction characters",
    ),
    # not a file
    toml("missing_field", "no_file", "", "there is no file", path="missing"),
    toml("wrong_type", "a_directory", "", "cannot be read", "IsADirectoryError", path="directory"),
]


def write(folder: Path, item: Item) -> Path:
    path = folder / "config.toml"
    where = item.extra.get("path")
    if where == "missing":
        return path
    if where == "directory":
        path.mkdir()
        return path
    value = item.value
    path.write_bytes(value if isinstance(value, bytes) else value.encode())
    return path


def listing(folder: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


@pytest.mark.parametrize("item", ITEMS, ids=ids(ITEMS))
def test_configuration(tmp_path: Path, item: Item) -> None:
    path = write(tmp_path, item)
    before = listing(tmp_path)
    adapter = item.extra.get("adapter")

    def load() -> None:
        config = load_config(path)
        if adapter == "matrix":
            MatrixSettings.from_config(config)
        if adapter == "slack":
            SlackSettings.from_config(config)

    with pytest.raises(ConfigError) as raised:
        load()
    message = str(raised.value)
    assert message.startswith(INVALID), message
    assert item.expect, "an item says what the person is told"
    for phrase in item.expect:
        assert phrase in message, f"{phrase!r} not in {message[:300]!r}"
    assert len(message) < 1_000, "the message repeats the oversized value"
    if adapter is None:  # the command line says the same, without a traceback
        result = CliRunner().invoke(main, ["verify", "--config", str(path)])
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit)
        assert f"intermediary: {INVALID}" in result.output
        assert item.expect[0] in result.output
        assert "Traceback" not in result.output
    assert listing(tmp_path) == before, "a refused configuration created or changed a file"
    # fixed, the same path loads
    if path.is_dir():
        path.rmdir()
    path.write_text(GOOD_TOML)
    assert load_config(path).organisations[0].id == "acme"
