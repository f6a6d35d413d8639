"""The house keeps its shape: floors in order, no import running back up, no cycle.

docs/ARCHITECTURE.md draws the layers; this test reads every module's imports (as
text, with :mod:`ast`) and holds them to it, so a change that makes the core read a
file or the service import the command line fails here, with the offending import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "intermediary"
ADAPTERS = {
    "intermediary_slack": ROOT / "adapters" / "slack" / "intermediary_slack",
    "intermediary_matrix": ROOT / "adapters" / "matrix" / "intermediary_matrix",
    "intermediary_web": ROOT / "adapters" / "web" / "intermediary_web",
}

#: the floors, ground first: a module may import its own floor's package and lower ones
FLOORS: tuple[tuple[str, ...], ...] = (
    ("core",),  # the protocol: pure, no I/O, no clock, no keys
    ("text",),  # the catalogue of sentences (reads its TOML files)
    ("errors",),  # the shell's errors, and the core's re-exported
    ("directory", "data"),  # reference data: referral bodies, categories (and its files)
    ("crypto",),  # the only importer of PyNaCl; keys, vault, file modes
    ("config",),  # the configuration file, validated
    ("store",),  # persistence: one SQL skeleton, two dialects, a memory store
    ("service",),  # the facade: load → step → seal → commit; delivery; audit
    ("chat",),  # the text conversation every chat front end shares
    ("office",),  # reminders, retention, handover, report, intervision
    ("runtime", "operations"),  # wiring; and the operator's doctor, metrics, backups, logs
    ("cli",),  # the command line, the console, the demo, the doctor
    ("__init__", "__main__"),  # the embedding API and ``python -m intermediary``
)
FLOOR = {package: level for level, packages in enumerate(FLOORS) for package in packages}
#: the limit a module keeps to; the exceptions say why they are longer
MAX_LINES = 400
LONGER: dict[str, str] = {}


def _name(path: Path, base: Path, package: str) -> str:
    parts = [package, *path.relative_to(base).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {_name(p, SRC, "intermediary"): p for p in SRC.rglob("*.py")}
    for package, folder in ADAPTERS.items():
        found |= {_name(p, folder, package): p for p in folder.rglob("*.py")}
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """The project modules ``path`` imports (``from a import b`` counts as ``a.b`` when
    that is a module, else as ``a``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{a.name}" for a in node.names} & MODULES.keys()
            found |= subs or {node.module}
            if node.module != "intermediary" and len(subs) < len(node.names):
                found.add(node.module)
    return found & MODULES.keys()


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _floor(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "intermediary":
        return None
    return FLOOR.get(parts[1] if len(parts) > 1 else "__init__")


def test_every_package_has_a_floor() -> None:
    tops = {m.split(".")[1] for m in MODULES if m.startswith("intermediary.")}
    assert tops - FLOOR.keys() == set()


def test_no_import_runs_back_up() -> None:
    upward = [
        f"{module} (floor {_floor(module)}) imports {target} (floor {_floor(target)})"
        for module, targets in GRAPH.items()
        for target in targets
        if (low := _floor(module)) is not None
        and (high := _floor(target)) is not None
        and high > low
    ]
    assert upward == []


def test_the_library_never_imports_a_front_end() -> None:
    found = [
        f"{m} imports {t}"
        for m, targets in GRAPH.items()
        if m.startswith("intermediary.")
        for t in targets
        if t.startswith(tuple(ADAPTERS))
    ]
    assert found == []


def test_front_ends_do_not_use_the_command_line() -> None:
    found = [
        f"{m} imports {t}"
        for m, targets in GRAPH.items()
        if m.startswith(tuple(ADAPTERS))
        for t in targets
        if t.startswith("intermediary.cli")
    ]
    assert found == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle() -> None:
    assert _cycles() == []


def test_the_cycle_finder_finds_one() -> None:
    saved = dict(GRAPH)
    try:
        GRAPH["intermediary.core"] = {*GRAPH["intermediary.core"], "intermediary.cli"}
        GRAPH["intermediary.cli"] = {*GRAPH["intermediary.cli"], "intermediary.core"}
        assert any("intermediary.cli" in c and "intermediary.core" in c for c in _cycles())
    finally:
        GRAPH.clear()
        GRAPH.update(saved)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module: str) -> None:
    lines = len(MODULES[module].read_text("utf-8").splitlines())
    assert lines <= MAX_LINES or module in LONGER, f"{module}: {lines} lines"
