"""The core is the ground floor: it imports nothing of the shell and reads no files.

``tests/test_quality.py`` keeps the core free of the clock, randomness, sockets and
stores. This is the stricter rule of the layers: a module of ``intermediary.core``
imports from ``intermediary`` only ``intermediary.core`` (not the public error
module, which reads the text catalogue, nor anything else of the shell), and nothing
that reads files: no ``open()``, no ``tomllib``, no ``importlib.resources``, no
``pathlib``, ``io`` or ``os``. The words of an error come from a renderer the shell
registers (``intermediary.core.errors.use_renderer``), and the lifecycle document is
written by the shell's command (see ``test_lifecycle_doc.py``), from a string the core
returns.
"""

from __future__ import annotations

import ast
from pathlib import Path

import intermediary.core
from intermediary.core.errors import IntermediaryError, InvalidInput, plain, use_renderer
from intermediary.text import render

CORE = Path(intermediary.core.__file__).parent
#: modules that read or write files (or find them)
READS_FILES = {"tomllib", "importlib", "io", "os", "pathlib", "shutil", "tempfile", "glob"}
#: builtins that open or load files
OPENS = {"open", "__import__", "exec", "eval", "compile"}


def offences(folder: Path) -> list[str]:
    """Every import or call in ``folder``'s modules that breaks the ground floor."""
    found: list[str] = []
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
                if node.module == "intermediary":
                    names = [f"intermediary.{alias.name}" for alias in node.names]
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in OPENS
            ):
                found.append(f"{path.name}: calls {node.func.id}()")
            for name in names:
                top = name.split(".")[0]
                if top == "intermediary" and not (
                    name == "intermediary.core" or name.startswith("intermediary.core.")
                ):
                    found.append(f"{path.name}: imports {name}")
                if top in READS_FILES:
                    found.append(f"{path.name}: imports {name}")
    return found


def test_the_core_imports_only_itself_and_reads_no_files() -> None:
    assert offences(CORE) == []


def test_the_check_finds_a_core_that_reaches_up(tmp_path: Path) -> None:
    """The check can fail: each way of reaching out of the ground floor is found."""
    (tmp_path / "up.py").write_text(
        "from intermediary.errors import NotAllowed\n"
        "from intermediary import text\n"
        "import tomllib\n"
        "from importlib import resources\n"
        "from intermediary.core import ids\n"
        "open('words.toml')\n",
        "utf-8",
    )
    assert offences(tmp_path) == [
        "up.py: imports intermediary.errors",
        "up.py: imports intermediary.text",
        "up.py: imports tomllib",
        "up.py: imports importlib",
        "up.py: calls open()",
    ]


def test_an_error_reads_plainly_without_the_shells_words() -> None:
    """Without a renderer a core error still says what it is: its key and parameters;
    with the shell's catalogue (registered when it is imported) it is the English
    sentence, as its ``str``, and any language by :meth:`message`."""
    error = InvalidInput("errors.text_too_long", length=4001, limit=4000)
    assert str(error) == render("errors.text_too_long", "en", length=4001, limit=4000)
    assert error.message("nl") == render("errors.text_too_long", "nl", length=4001, limit=4000)
    assert str(error).startswith("The text has 4001 characters; the limit is 4000.")
    shell = use_renderer(plain)
    try:
        assert str(InvalidInput("errors.text_too_long", length=4001, limit=4000)) == (
            "errors.text_too_long (length=4001, limit=4000)"
        )
        assert str(InvalidInput("errors.empty_text")) == "errors.empty_text"
        assert IntermediaryError().message("nl") == "errors.internal"
    finally:
        assert use_renderer(shell) is plain
    assert str(InvalidInput("errors.empty_text")) == render("errors.empty_text")
