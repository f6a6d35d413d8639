"""The package's boundary: nacl is imported inside crypto/ only, crypto/ stands on the
floors below it only, and every public name is there to be used as ``crypto.X``."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from intermediary import crypto

SRC = Path(crypto.__file__).resolve().parents[1]  # src/intermediary
CRYPTO = SRC / "crypto"


def _nacl_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "nacl"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [node.module] if node.module.split(".")[0] == "nacl" else []
        elif isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            first = node.args[0]
            if (
                name in {"import_module", "__import__"}
                and isinstance(first, ast.Constant)
                and str(first.value).split(".")[0] == "nacl"
            ):
                found.append(str(first.value))
    return found


def test_only_crypto_imports_nacl() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 5
    inside = [f for f in files if f.is_relative_to(CRYPTO)]
    assert any(_nacl_imports(f) for f in inside), "the check must see the crypto package's imports"
    offenders = {
        str(f.relative_to(SRC)): _nacl_imports(f) for f in files if not f.is_relative_to(CRYPTO)
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_import_check_sees_every_form(tmp_path: Path) -> None:
    for source in [
        "import nacl",
        "import nacl.public as p",
        "from nacl import utils",
        "from nacl.bindings import x",
        "importlib.import_module('nacl.hash')",
        "__import__('nacl')",
    ]:
        (tmp_path / "m.py").write_text(source + "\n", "utf-8")
        assert _nacl_imports(tmp_path / "m.py"), source
    (tmp_path / "m.py").write_text("import naclx\nfrom . import nacl\n", "utf-8")
    assert _nacl_imports(tmp_path / "m.py") == []


def test_every_exported_name_exists() -> None:
    assert len(set(crypto.__all__)) == len(crypto.__all__)
    for name in crypto.__all__:
        assert getattr(crypto, name) is not None


# --- the split of the recipes into modules (issue 16) -----------------------------------

RECIPES = (
    "casefile",
    "entry_sealer",
    "kdf",
    "keyfiles",
    "keys",
    "operational",
    "receipts",
    "signing",
)
#: all that crypto/ may import of intermediary: itself and the floors below it
FLOOR = ("intermediary.crypto", "intermediary.core", "intermediary.errors", "intermediary.text")


def test_the_package_exports_every_recipe_and_no_primitive() -> None:
    exported: dict[str, object] = {}
    for name in RECIPES:
        module = importlib.import_module(f"intermediary.crypto.{name}")
        exported |= {public: getattr(module, public) for public in module.__all__}
    assert sorted(exported) == sorted(crypto.__all__)
    assert all(getattr(crypto, name) is value for name, value in exported.items())
    primitives = importlib.import_module("intermediary.crypto.primitives")
    assert not set(primitives.__all__) & set(vars(crypto))


def _intermediary_imports(path: Path) -> set[str]:
    """The modules of intermediary that ``path`` (a module of crypto/) imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ["intermediary", "crypto"][: 3 - node.level] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] == "intermediary"}


def test_crypto_imports_nothing_of_intermediary_above_it() -> None:
    files = sorted(CRYPTO.glob("*.py"))
    assert {f"{name}.py" for name in RECIPES} <= {f.name for f in files}
    seen = {name for f in files for name in _intermediary_imports(f)}
    assert "intermediary.errors.IntegrityError" in seen, "the check must see the imports"
    above = {n for n in seen if not any(n == f or n.startswith(f"{f}.") for f in FLOOR)}
    assert above == set()
