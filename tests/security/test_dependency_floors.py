"""Attack: install the service with a dependency version that has a published hole.

``pip install intermediary`` resolves within the floors of pyproject.toml; a
floor below a security fix lets an old, vulnerable version in (an old lock file,
a distribution package, a pinned mirror). Each row below is the *last vulnerable*
version of a dependency for a published advisory; no floor may admit it. And the
environment the tests run in must itself satisfy the floors.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

#: (package, last vulnerable version, advisory): the floor must lie above it
VULNERABLE = [
    ("aiohttp", "3.9.1", "CVE-2024-23334 static file path traversal (fixed 3.9.2)"),
    ("aiohttp", "3.9.3", "CVE-2024-27306 XSS on static index pages (fixed 3.9.4)"),
    ("aiohttp", "3.10.10", "CVE-2024-52304 request smuggling, pure-Python parser (3.10.11)"),
    ("aiohttp", "3.12.13", "CVE-2025-53643 request smuggling via trailer sections (3.12.14)"),
    ("aiohttp", "3.13.2", "CVE-2025-69224 and the 3.13.3 batch (smuggling, DoS)"),
    ("aiohttp", "3.13.3", "CVE-2026-22815, CVE-2026-34513..34525 (fixed 3.13.4)"),
    ("aiohttp", "3.13.5", "CVE-2026-34993, CVE-2026-47265 (fixed 3.14.0)"),
    ("aiohttp", "3.14.0", "CVE-2026-54273..54280 (fixed 3.14.1)"),
    ("aiohttp", "3.14.2", "CVE-2026-69244 DoS via malformed responses (fixed 3.14.3)"),
    ("aiohttp", "3.14.3", "CVE-2026-111750 / PYSEC-2026-4371 smuggling; GHSA-2g87-pp6c-29x5"),
    # GHSA-5wr8-gcqf-gqf3 (no header timeout) and GHSA-494j-54xm-rwp3 (cookie Secure flag) are
    # fixed by 3.14.5 at the latest; whether 3.14.4 already has them is not established
    ("aiohttp", "3.14.4", "GHSA-5wr8-gcqf-gqf3, GHSA-494j-54xm-rwp3 (fixed by 3.14.5)"),
    ("pynacl", "1.6.1", "CVE-2025-69277 libsodium ed25519 point validation (fixed 1.6.2)"),
    ("click", "8.3.2", "CVE-2026-7246 command injection in click.edit (fixed 8.3.3)"),
    ("pydantic", "2.3.0", "CVE-2024-3772 e-mail validation ReDoS (fixed 2.4.0)"),
    ("asyncpg", "0.20.1", "CVE-2020-17446 uninitialised pointer (fixed 0.21.0)"),
    ("pytest", "9.0.2", "CVE-2025-71176 predictable /tmp/pytest-of-USER (fixed 9.0.3)"),
    ("setuptools", "82.0.1", "CVE-2026-59890 MANIFEST.in exclude bypass (fixed 83.0.0)"),
    ("setuptools", "80.10.1", "CVE-2026-24049 (vendored wheel), CVE-2026-23949 (80.10.2)"),
    ("setuptools", "78.1.0", "CVE-2025-47273 PackageIndex path traversal (fixed 78.1.1)"),
    ("setuptools", "69.1.1", "CVE-2024-6345 command injection via package URL (fixed 70.0)"),
    ("wheel", "0.46.1", "CVE-2026-24049 unpack path traversal (fixed 0.46.2)"),
]


def requirements() -> dict[str, Requirement]:
    data = tomllib.loads(PYPROJECT.read_text("utf-8"))
    found = [*data["build-system"]["requires"], *data["project"]["dependencies"]]
    for extra in data["project"]["optional-dependencies"].values():
        found += extra
    out: dict[str, Requirement] = {}
    for line in found:
        requirement = Requirement(line)
        if requirement.name == "intermediary":  # the dev extra naming the others
            continue
        out[canonicalize_name(requirement.name)] = requirement
    return out


@pytest.mark.parametrize(("package", "version", "advisory"), VULNERABLE)
def test_no_floor_admits_a_known_vulnerable_version(
    package: str, version: str, advisory: str
) -> None:
    requirement = requirements()[canonicalize_name(package)]
    assert not requirement.specifier.contains(Version(version), prereleases=True), (
        f"{requirement} admits {package} {version}: {advisory}"
    )


def test_every_dependency_has_a_floor_and_a_ceiling() -> None:
    for name, requirement in requirements().items():
        operators = {spec.operator for spec in requirement.specifier}
        assert ">=" in operators, name
        if name not in ("setuptools", "wheel", "types-python-dateutil"):  # build tools, stubs
            assert "<" in operators, name


def test_the_installed_environment_satisfies_the_floors() -> None:
    """What the tests run against is what the floors promise (build tools aside)."""
    for name, requirement in requirements().items():
        if name in ("setuptools", "wheel"):  # installed into pip's isolated build only
            continue
        installed = Version(metadata.version(name))
        assert requirement.specifier.contains(installed, prereleases=True), (
            f"{name} {installed} is installed but pyproject.toml asks for {requirement}"
        )
