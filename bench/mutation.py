"""Mutation testing on demand: ``python -m bench.mutation [TARGET] [options]``; prints the score.

mutmut changes the code one small step at a time (``<`` to ``<=``, ``and`` to ``or``, a
string, a removed call...) and runs, for each change, the tests that call the changed
function; a mutant no test notices is a rule nothing checks. Targets:

- ``core`` (default): the protocol core, against tests/core/ without the random fuzzer,
  exactly as ``[tool.mutmut]`` in pyproject.toml says (a plain ``mutmut run`` does the same);
- ``crypto``: the recipe modules of crypto/ (keys, casefile, operational, receipts, signing,
  keyfiles, kdf, primitives) and service/audit.py, against their test files in tests/crypto/
  and tests/service/test_audit.py;
- ``sealing``: sealing.py, against the service-level tests (slower: each mutant runs the
  service tests that reach it, up to about 20 seconds of them).

Each target works in its own folder, ``mutants/TARGET/`` (ignored by git), with links to
src/ and tests/ and a pyproject.toml of its own, so the working tree is never changed.
``--files`` narrows a target to some files (``--files src/intermediary/core/deadlines.py``);
a run starts afresh unless ``--keep`` is given (then only what changed is tested again).
Look at a mutant with ``mutmut show NAME`` run inside the target's folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TARGETS", "Score", "main", "score_of"]

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "mutants"
MUTMUT = Path(sys.executable).with_name("mutmut")
KILLED = ("killed", "timeout", "caught by type check")


@dataclass(frozen=True)
class Target:
    mutate: tuple[str, ...]
    tests: tuple[str, ...]


def _settings() -> dict[str, object]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return dict(data["tool"]["mutmut"])


def _core() -> Target:
    base = _settings()
    mutate, tests = base["only_mutate"], base["pytest_add_cli_args_test_selection"]
    if not isinstance(mutate, list) or not isinstance(tests, list):
        raise SystemExit("pyproject.toml: [tool.mutmut] needs only_mutate and a test selection")
    return Target(tuple(map(str, mutate)), tuple(map(str, tests)))


TARGETS: dict[str, Target] = {
    "core": _core(),
    "crypto": Target(
        (
            "src/intermediary/crypto/keys.py",
            "src/intermediary/crypto/casefile.py",
            "src/intermediary/crypto/operational.py",
            "src/intermediary/crypto/receipts.py",
            "src/intermediary/crypto/signing.py",
            "src/intermediary/crypto/keyfiles.py",
            "src/intermediary/crypto/kdf.py",
            "src/intermediary/crypto/primitives.py",
            "src/intermediary/service/audit.py",
        ),
        (
            "tests/crypto/test_keys.py",
            "tests/crypto/test_casefile.py",
            "tests/crypto/test_operational.py",
            "tests/crypto/test_receipts.py",
            "tests/crypto/test_signing.py",
            "tests/crypto/test_keyfiles.py",
            "tests/crypto/test_stored_formats.py",
            "tests/service/test_audit.py",
        ),
    ),
    "sealing": Target(
        (
            "src/intermediary/service/sealing.py",
            "src/intermediary/service/entries.py",
            "src/intermediary/service/reporters.py",
            "src/intermediary/service/outbound.py",
        ),
        (
            "tests/service/test_facade.py",
            "tests/test_guarantees.py",
            "tests/service/test_authorization.py",
            "tests/office/test_handover.py",
        ),
    ),
}


@dataclass(frozen=True)
class Score:
    """The outcome of a run: each mutant's status, by mutmut's names."""

    status: dict[str, str]

    @property
    def counts(self) -> Counter[str]:
        return Counter(self.status.values())

    @property
    def killed(self) -> int:
        return sum(self.counts[s] for s in KILLED)

    @property
    def tested(self) -> int:
        return len(self.status) - self.counts["skipped"]

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.tested if self.tested else 0.0

    def not_killed(self) -> list[tuple[str, str]]:
        shown = ((k, s) for k, s in self.status.items() if s not in (*KILLED, "skipped"))
        return sorted(shown, key=_natural)

    def by_module(self) -> dict[str, tuple[int, int]]:
        """module -> (killed, tested)."""
        table: dict[str, list[int]] = {}
        for name, status in self.status.items():
            module = name.split(".x_")[0].split(".xǁ")[0]
            row = table.setdefault(module, [0, 0])
            if status != "skipped":
                row[1] += 1
                row[0] += status in KILLED
        return {m: (k, t) for m, (k, t) in sorted(table.items())}


_RESULT = re.compile(r"^\s+(\S+): (.+)$")


def _natural(row: tuple[str, str]) -> tuple[str, int]:
    """``..._mutmut_4`` before ``..._mutmut_17``."""
    stem, _, number = row[0].rpartition("_")
    return (stem, int(number)) if number.isdigit() else (row[0], 0)


def score_of(results: str) -> Score:
    """Parse ``mutmut results --all true``: one ``    NAME: STATUS`` line per mutant."""
    status = {}
    for line in results.splitlines():
        match = _RESULT.match(line)
        if match:
            status[match[1]] = match[2].strip()
    return Score(status)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _prepare(name: str, target: Target, files: list[str], keep: bool) -> Path:
    folder = WORK / name
    if folder.exists() and not keep:
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for link in ("src", "tests"):
        if not (folder / link).exists():
            (folder / link).symlink_to(ROOT / link, target_is_directory=True)
    pytest = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["pytest"]
    settings = {
        **_settings(),
        "only_mutate": files or list(target.mutate),
        "pytest_add_cli_args_test_selection": list(target.tests),
    }
    lines = ["[tool.pytest.ini_options]"]
    lines += [f"{k} = {_toml(v)}" for k, v in pytest["ini_options"].items()]
    lines += ["", "[tool.mutmut]"]
    lines += [f"{k} = {_toml(v)}" for k, v in settings.items()]
    (folder / "pyproject.toml").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


def _mutmut(folder: Path, *args: str) -> str:
    """Run mutmut in ``folder``; its output goes to ``folder/mutmut.log`` and is returned."""
    log = folder / "mutmut.log"
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(  # noqa: S603 - mutmut from this environment, fixed arguments
            [str(MUTMUT), *args], cwd=folder, check=False, stdout=out, stderr=subprocess.STDOUT
        )
    text = log.read_text("utf-8", errors="replace")
    if done.returncode != 0:
        tail = "\n".join(text.replace("\r", "\n").splitlines()[-30:])
        raise SystemExit(f"{tail}\nmutmut {' '.join(args)} failed (exit {done.returncode})")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mutation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", nargs="?", default="core", choices=sorted(TARGETS))
    parser.add_argument("--files", nargs="+", default=[], help="only these files (glob)")
    parser.add_argument("--max-children", type=int, help="parallel mutants (default: all cores)")
    parser.add_argument("--keep", action="store_true", help="reuse the previous run's results")
    parser.add_argument("--json", type=Path, help="also write the score here")
    args = parser.parse_args(argv)
    if not MUTMUT.exists():
        parser.error(f"mutmut is not installed here ({MUTMUT}): pip install -e '.[dev]'")

    target = TARGETS[args.target]
    folder = _prepare(args.target, target, args.files, args.keep)
    started = time.perf_counter()
    children = [] if args.max_children is None else ["--max-children", str(args.max_children)]
    where = folder.relative_to(ROOT)
    print(f"mutmut: {args.target} against {' '.join(target.tests)} (log: {where}/mutmut.log)")
    _mutmut(folder, "run", *children)
    took = time.perf_counter() - started
    score = score_of(_mutmut(folder, "results", "--all", "true"))

    print()
    print(f"mutation score, {args.target}: {score.percent:.1f} % killed")
    for module, (killed, tested) in score.by_module().items():
        print(f"  {module:<48} {killed:>5} / {tested:<5} {100 * killed / max(tested, 1):5.1f} %")
    counts = ", ".join(f"{n} {s}" for s, n in sorted(score.counts.items()))
    print(f"  {len(score.status)} mutants: {counts}")
    print(f"  {took:.0f} s in all, {took / max(len(score.status), 1):.2f} s a mutant")
    for name, status in score.not_killed():
        print(f"  {status}: {name}")
    if score.not_killed():
        print(f"  see one with: cd {where} && mutmut show NAME")
    if args.json:
        summary = {
            "target": args.target,
            "files": args.files or list(target.mutate),
            "tests": list(target.tests),
            "percent": round(score.percent, 1),
            "counts": dict(score.counts),
            "seconds": round(took, 1),
            "cores": os.cpu_count(),
            "not_killed": [{"mutant": n, "status": s} for n, s in score.not_killed()],
        }
        args.json.write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
