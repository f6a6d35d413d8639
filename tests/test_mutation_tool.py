"""The mutation testing tool (bench/mutation.py) without running mutmut: its targets exist,
the configuration it writes is what mutmut reads, and the score is counted right."""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path

import pytest
from bench import mutation

RESULTS = """\
    intermediary.core.batching.x_release_time__mutmut_4: killed
    intermediary.core.batching.x_release_time__mutmut_17: survived
    intermediary.core.batching.x_release_time__mutmut_5: killed
    intermediary.core.ids.x_crockford__mutmut_5: survived
    intermediary.core.ids.x_crockford__mutmut_6: timeout
    intermediary.core.states.xǁ_Sameǁ__repr__mutmut_1: no tests
    intermediary.core.states.xǁ_Sameǁ__repr__mutmut_2: skipped
    intermediary.core.deadlines.x_feedback_due__mutmut_1: caught by type check
"""


def test_the_score_counts_killed_timeouts_and_type_errors_over_all_but_skipped() -> None:
    score = mutation.score_of("noise before\n" + RESULTS + "1.71 mutations/second\n")
    assert len(score.status) == 8
    assert (score.killed, score.tested) == (4, 7)
    assert score.percent == pytest.approx(100 * 4 / 7)
    assert score.by_module() == {
        "intermediary.core.batching": (2, 3),
        "intermediary.core.deadlines": (1, 1),
        "intermediary.core.ids": (1, 2),
        "intermediary.core.states": (0, 1),
    }
    assert score.not_killed() == [
        ("intermediary.core.batching.x_release_time__mutmut_17", "survived"),
        ("intermediary.core.ids.x_crockford__mutmut_5", "survived"),
        ("intermediary.core.states.xǁ_Sameǁ__repr__mutmut_1", "no tests"),
    ]


def test_no_mutants_is_a_score_of_zero_not_a_crash() -> None:
    assert mutation.score_of("").percent == 0.0


def test_every_target_names_files_and_tests_that_exist() -> None:
    root = mutation.ROOT
    for name, target in mutation.TARGETS.items():
        for pattern in target.mutate:
            assert glob.glob(str(root / pattern)), (name, pattern)
        for test in target.tests:
            if not test.startswith("-"):
                assert (root / test).exists(), (name, test)


def test_the_core_target_is_the_projects_mutmut_configuration() -> None:
    settings = tomllib.loads((mutation.ROOT / "pyproject.toml").read_text("utf-8"))
    mutmut = settings["tool"]["mutmut"]
    core = mutation.TARGETS["core"]
    assert list(core.mutate) == mutmut["only_mutate"]
    assert list(core.tests) == mutmut["pytest_add_cli_args_test_selection"]
    assert "--ignore=tests/core/test_protocol_fuzz.py" in core.tests  # deterministic tests only


def test_a_target_folder_links_the_tree_and_configures_mutmut_for_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mutation, "WORK", tmp_path)
    folder = mutation._prepare("crypto", mutation.TARGETS["crypto"], [], keep=False)
    assert (folder / "src").resolve() == mutation.ROOT / "src"
    assert (folder / "tests").resolve() == mutation.ROOT / "tests"
    written = tomllib.loads((folder / "pyproject.toml").read_text("utf-8"))
    assert written["tool"]["mutmut"]["only_mutate"] == list(mutation.TARGETS["crypto"].mutate)
    assert written["tool"]["mutmut"]["pytest_add_cli_args_test_selection"] == [
        "tests/crypto/test_keys.py",
        "tests/crypto/test_casefile.py",
        "tests/crypto/test_operational.py",
        "tests/crypto/test_receipts.py",
        "tests/crypto/test_signing.py",
        "tests/crypto/test_keyfiles.py",
        "tests/crypto/test_stored_formats.py",
        "tests/service/test_audit.py",
    ]
    assert written["tool"]["pytest"]["ini_options"]["asyncio_mode"] == "auto"
    (folder / "left-over").write_text("x")
    narrowed = mutation._prepare(
        "crypto", mutation.TARGETS["crypto"], ["src/intermediary/service/audit.py"], keep=False
    )
    assert not (narrowed / "left-over").exists()  # a run starts afresh
    written = tomllib.loads((narrowed / "pyproject.toml").read_text("utf-8"))
    assert written["tool"]["mutmut"]["only_mutate"] == ["src/intermediary/service/audit.py"]


@pytest.mark.parametrize(
    "value", [True, 15.0, 3, "tests/core", 'quote " and \\ and é', ["a", "b"], []]
)
def test_values_are_written_as_toml_that_reads_back(value: object) -> None:
    assert tomllib.loads(f"v = {mutation._toml(value)}")["v"] == value
