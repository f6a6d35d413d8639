"""A real browser for the tests: the distribution's headless Chromium, driven by Playwright.

Chromium comes from the distribution's packages (Debian's ``chromium``, at
``/usr/bin/chromium``), installed with apt-get the first time if it is missing and
we are root, as tests/postgres.py installs PostgreSQL. Playwright for Python (the
``dev`` extra) drives it; its own browser download (``playwright install``) is never
used. A browser that cannot be found or installed raises :class:`ChromiumUnavailable`,
which the tests turn into a FAILED test with a message saying how to install it:
never a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["ARGS", "SCREENSHOTS", "ChromiumUnavailable", "find_chromium", "keep_screenshot"]

#: where the screenshots the docs show are kept
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"

#: where Debian's package puts it
CHROMIUM = Path("/usr/bin/chromium")
#: headless, no sandbox (root in a container), and nothing that calls out
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = (
    "Chromium was not found at /usr/bin/chromium and could not be installed from the "
    "distribution's packages (that needs root and apt-get). Install it (apt-get install "
    "chromium), or set INTERMEDIARY_CHROMIUM to a Chromium binary. Do not run "
    "'playwright install': the tests use the distribution's browser."
)


class ChromiumUnavailable(RuntimeError):
    """Chromium is not installed and could not be."""


def _installed() -> Path | None:
    given = os.environ.get("INTERMEDIARY_CHROMIUM")
    for candidate in (Path(given) if given else None, CHROMIUM):
        if candidate is not None and candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def find_chromium() -> Path:
    """The Chromium binary; installed from the distribution's packages when missing."""
    found = _installed()
    if found is not None:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ChromiumUnavailable(INSTALL_HINT)
    quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
    ):
        done = subprocess.run(
            command, capture_output=True, text=True, env=quiet, timeout=900, check=False
        )
        if done.returncode != 0:
            raise ChromiumUnavailable(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    found = _installed()
    if found is None:
        raise ChromiumUnavailable(INSTALL_HINT)
    return found


def keep_screenshot(name: str, png: bytes) -> None:
    """Write a screenshot for the docs only when asked to (``UPDATE_SCREENSHOTS=1``) and
    only when it changed; otherwise insist that it is there."""
    path = SCREENSHOTS / name
    asked = os.environ.get("UPDATE_SCREENSHOTS") == "1"
    if asked and (not path.exists() or path.read_bytes() != png):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
    assert path.exists(), f"{path} is missing: run with UPDATE_SCREENSHOTS=1"
