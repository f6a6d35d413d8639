"""Keys shared by the crypto tests: one counsellor key and one set of service keys per
test module (generating them for every test would only cost time)."""

from __future__ import annotations

import pytest

from intermediary.crypto import CounsellorKey, ServiceKeys


@pytest.fixture(scope="module")
def counsellor() -> CounsellorKey:
    return CounsellorKey.generate()


@pytest.fixture(scope="module")
def service() -> ServiceKeys:
    return ServiceKeys.generate()
