"""What "changed nothing" means, for any entry point that reaches a store."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from intermediary import crypto
from intermediary.service.audit import verify_chain
from intermediary.store import Store
from tests.service.test_authorization import snapshot


async def state_of(store: Store, keys: crypto.ServiceKeys) -> tuple[Any, ...]:
    """Every row, entry, key, identity, routing, audit record and outbox item; the
    audit chain is checked to verify on the way."""
    taken = await snapshot(SimpleNamespace(store=store))  # type: ignore[arg-type]
    report = verify_chain(await store.audit_log(), keys.verify_key)
    assert report.ok, report.problems
    return taken


def no_internals(text: str) -> None:
    """Nothing of the program's insides reaches a person."""
    for word in ("Traceback", 'File "', "Exception", "Error:", "NoneType", "KeyError"):
        assert word not in text, f"{word!r} reached a person: {text[:300]!r}"
