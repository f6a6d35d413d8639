"""What an operator reads is what the program does: every configuration field is explained
in the examples, and the Slack manifest asks for exactly the scopes the adapter's calls need.

The rule for the examples: a field counts as documented when its key appears at its place
(its section) in the example file, either as a live TOML key or as a comment line
``# key = value`` whose ``key = value`` is itself valid TOML, so that it can be switched on
by removing the ``# ``. A table counts by its header, live or commented out
(``# [[matrix.trusted_devices]]``), and the fields inside it are looked for under it.
The ``[matrix]`` section is explained in ``examples/matrix-config.toml``; everything else
(``[service]``, ``[[organisations]]`` and what is under it, ``[slack]``, top-level keys) in
``examples/config.toml``.
"""

from __future__ import annotations

import inspect
import re
import tomllib
import types
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from intermediary_matrix.settings import MatrixSettings
from intermediary_slack.settings import SlackSettings
from pydantic import BaseModel
from slack_sdk.web.async_client import AsyncWebClient

from intermediary.config import ServiceConfig, load_config
from tests.slack.standin import manifest_scopes

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples" / "config.toml"
MATRIX = ROOT / "examples" / "matrix-config.toml"
MANIFEST = ROOT / "adapters" / "slack" / "manifest.yaml"
SLACK_CODE = ROOT / "adapters" / "slack" / "intermediary_slack"

_HEADER = re.compile(r"^(?:#\s?)?\[\[?\s*([A-Za-z0-9_.]+)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^(#\s?)?([A-Za-z0-9_]+)\s*=\s*\S")

Path_ = tuple[str, ...]


# --- the examples -----------------------------------------------------------------------


def documented(text: str) -> set[Path_]:
    """The keys and tables ``text`` explains, each as its path (``("slack", "mode")``)."""
    found: set[Path_] = set()
    section: Path_ = ()
    for raw in text.splitlines():
        line = raw.strip()
        header = _HEADER.match(line)
        if header:
            section = tuple(header.group(1).split("."))
            found.update(section[:i] for i in range(1, len(section) + 1))
            continue
        key = _KEY.match(line)
        if not key:
            continue
        if key.group(1):  # commented out: counts only if it can be switched on as it is
            try:
                tomllib.loads(line[len(key.group(1)) :])
            except tomllib.TOMLDecodeError:
                continue
        found.add((*section, key.group(2)))
    return found


def _models(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for argument in typing.get_args(annotation):
            yield from _models(argument)


def fields(model: type[BaseModel], prefix: Path_ = ()) -> Iterator[Path_]:
    """Every field reachable from ``model``, by the key it has in the TOML file."""
    for name, info in model.model_fields.items():
        path = (*prefix, info.alias or name)
        yield path
        for inner in _models(info.annotation):
            yield from fields(inner, path)


#: the configuration, with the adapters' sections (``dict`` in ServiceConfig) filled in
EVERY_FIELD = sorted(
    {
        *fields(ServiceConfig),
        *fields(SlackSettings, ("slack",)),
        *fields(MatrixSettings, ("matrix",)),
    }
)


def test_the_walk_reaches_every_section() -> None:
    sections = {path[:-1] for path in EVERY_FIELD}
    assert {
        ("service",),
        ("organisations",),
        ("organisations", "batch"),
        ("organisations", "reminders"),
        ("organisations", "counsellors"),
        ("organisations", "management"),
        ("slack",),
        ("matrix",),
        ("matrix", "trusted_devices"),
    } <= sections
    assert ("slack", "signing_secret_env") in EVERY_FIELD
    assert ("matrix", "trusted_devices", "key") in EVERY_FIELD


@pytest.mark.parametrize("path", EVERY_FIELD, ids=".".join)
def test_every_field_is_explained_in_an_example(path: Path_) -> None:
    example = MATRIX if path[0] == "matrix" else CONFIG
    assert path in documented(example.read_text("utf-8")), (
        f"{'.'.join(path)} is not explained in examples/{example.name}: add it, with a "
        "one-line comment (its meaning and default), as `key = value` or `# key = value`"
    )


def test_the_rule_counts_only_keys_at_their_place_that_can_be_switched_on() -> None:
    text = """
# base_dir = "/etc/x"
[service]
database = "x.db"      # a comment
# vault = "/v"         # a commented key counts
# verify_key = ed25519 without quotes does not count: it is not TOML
[slack]
# [[slack.extra]]
# user = "@a:b"
"""
    found = documented(text)
    assert {("base_dir",), ("service", "database"), ("service", "vault")} <= found
    assert ("service", "verify_key") not in found
    assert ("database",) not in found  # only at its own place
    assert {("slack", "extra"), ("slack", "extra", "user")} <= found


def test_both_examples_load_and_their_adapter_sections_validate() -> None:
    config = load_config(CONFIG)
    # the [slack] values shown are said to be the defaults: they must be
    assert SlackSettings.from_config(config) == SlackSettings()
    matrix = MatrixSettings.from_config(load_config(MATRIX))
    assert matrix.sync_timeout_ms == MatrixSettings.model_fields["sync_timeout_ms"].default


def test_each_example_names_the_other() -> None:
    assert "matrix-config.toml" in CONFIG.read_text("utf-8")
    assert "config.toml, which documents" in MATRIX.read_text("utf-8")
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "examples/matrix-config.toml" in readme
    assert "register_new_matrix_user" in readme


# --- the Slack manifest -------------------------------------------------------------------

#: each Web API method the adapter calls → the bot scopes Slack requires for it (the method's
#: page at api.slack.com/methods). conversations.* need the scope of the channel's kind: the
#: app describes only private channels (a public one is held because it cannot be read).
#: chat.postMessage to a user id reaches the app's DM with them with chat:write alone: no
#: conversations.open, so no im:write. auth.test (also called by Bolt) and views.* need none.
#: Socket Mode's apps.connections.open uses the app-level token, not a bot scope.
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "conversations.info": frozenset({"groups:read"}),
    "conversations.members": frozenset({"groups:read"}),
    "views.open": frozenset(),
    "views.publish": frozenset(),
}
#: each event the manifest subscribes to → the scope Slack requires to receive it
EVENT_SCOPES: dict[str, frozenset[str]] = {
    "app_home_opened": frozenset(),
    "message.im": frozenset({"im:history"}),
}
#: a slash command in the manifest needs this scope
COMMAND_SCOPE = "commands"
#: a file's private URL the adapter fetches (a reporter's evidence) → the scope Slack
#: requires of the token it is fetched with
DOWNLOAD_SCOPES: dict[str, frozenset[str]] = {"url_private_download": frozenset({"files:read"})}


def called_methods() -> set[str]:
    """The Web API methods the adapter's code calls through its ``AsyncWebClient``,
    named as Slack names them (read from the SDK's own method bodies)."""
    methods: set[str] = set()
    for source in sorted(SLACK_CODE.glob("*.py")):
        for name in re.findall(r"\bclient\.([a-z]\w*)\(", source.read_text("utf-8")):
            body = inspect.getsource(getattr(AsyncWebClient, name))
            api = re.search(r"api_call\(\s*\"([\w.]+)\"", body)
            assert api, f"{name} in {source.name} is not a Web API method"
            methods.add(api.group(1))
    return methods


def listed(key: str) -> list[str]:
    """The items of the manifest's list under ``key:`` (PyYAML is no dependency; the
    manifest's lists are plain ``- item  # comment`` lines)."""
    items: list[str] = []
    inside = False
    for line in MANIFEST.read_text("utf-8").splitlines():
        item = line.split("#")[0].strip()
        if line.lstrip().startswith("#"):
            continue
        if item == f"{key}:":
            inside = True
        elif inside and item.startswith("- "):
            items.append(item[2:].strip())
        elif inside and item:
            break
    return items


def test_the_adapter_calls_only_methods_whose_scopes_are_known() -> None:
    methods = called_methods()
    assert {"chat.postMessage", "conversations.members", "views.publish"} <= methods
    unknown = methods - set(METHOD_SCOPES)
    assert not unknown, f"add {unknown} to METHOD_SCOPES with the scopes Slack requires"


def test_the_manifest_asks_for_exactly_the_scopes_the_calls_need() -> None:
    asked = set(listed("bot"))
    needed: set[str] = set()
    for method in called_methods():
        needed |= METHOD_SCOPES[method]
    events = listed("bot_events")
    assert "message.im" in events
    for event in events:
        needed |= EVENT_SCOPES[event]
    if re.search(r"^\s*- command: /vp$", MANIFEST.read_text("utf-8"), re.M):
        needed.add(COMMAND_SCOPE)
    code = "".join(p.read_text("utf-8") for p in SLACK_CODE.glob("*.py"))
    for download, scopes in DOWNLOAD_SCOPES.items():
        if download in code:
            needed |= scopes
    assert asked == needed, f"not needed: {asked - needed}; missing: {needed - asked}"
    assert "im:read" not in asked
    assert "im:write" not in asked
    # the stand-in gives the app's token exactly these scopes
    assert manifest_scopes() == asked


def test_each_scope_says_which_call_needs_it() -> None:
    lines = MANIFEST.read_text("utf-8").splitlines()
    for scope in listed("bot"):
        line = next(x for x in lines if x.strip().startswith(f"- {scope} "))
        reason = line.partition("#")[2]
        granted = {**METHOD_SCOPES, **EVENT_SCOPES, **DOWNLOAD_SCOPES}
        users = [m for m, s in granted.items() if scope in s]
        assert any(u in reason for u in users) or (scope == COMMAND_SCOPE and "/vp" in reason), (
            scope,
            reason,
        )
