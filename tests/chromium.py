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

__all__ = ["ARGS", "ChromiumUnavailable", "find_chromium"]

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
