"""The examples are part of the product: they must run and stay short."""

from __future__ import annotations

import asyncio
import importlib.util
import re
from pathlib import Path

import pytest

from intermediary.config import load_config
from intermediary.runtime import service_passphrase

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_custom_adapter_runs_a_case_in_under_100_lines(tmp_path: Path) -> None:
    path = EXAMPLES / "custom_adapter.py"
    assert len(path.read_text("utf-8").splitlines()) < 100
    spec = importlib.util.spec_from_file_location("custom_adapter", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mail = asyncio.run(module.main(tmp_path))
    assert any("Duplicate supplier payments." in t for t in mail.boxes["board@intranet"])
    assert any("receipt phrase" in t for t in mail.boxes["employee-4711"])
    board = "\n".join(mail.boxes["board@intranet"])
    assert "Pat Doe" not in board
    assert "employee-4711" not in board
    assert "pat@" not in board
    assert (tmp_path / "intermediary.db").exists()


def test_example_configuration_is_valid() -> None:
    config = load_config(EXAMPLES / "config.toml")
    org = config.organisations[0]
    assert {c.id for c in org.counsellors} == {"daan", "ilse"}
    assert org.policy().batch.times[1].hour == 14
    assert config.path(config.service.database).parent == EXAMPLES
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("INTERMEDIARY_PASSPHRASE", raising=False)
        with pytest.raises(Exception, match="INTERMEDIARY_PASSPHRASE"):
            service_passphrase(config)


def test_example_configuration_documents_every_field() -> None:
    from intermediary.config import (
        BatchConfig,
        CounsellorConfig,
        DestinationConfig,
        OrganisationConfig,
        RemindersConfig,
        ServiceSection,
    )

    text = (EXAMPLES / "config.toml").read_text("utf-8")
    models = (
        ServiceSection,
        OrganisationConfig,
        RemindersConfig,
        BatchConfig,
        CounsellorConfig,
        DestinationConfig,
    )
    for model in models:
        for name in model.model_fields:
            as_key = re.search(rf"^#? ?{name} = ", text, re.M)
            as_table = re.search(rf"^\[\[?organisations\.{name}\]", text, re.M)
            assert as_key or as_table, (model.__name__, name)


def test_matrix_example_configuration_is_valid() -> None:
    from intermediary_matrix.settings import MatrixSettings

    config = load_config(EXAMPLES / "matrix-config.toml")
    settings = MatrixSettings.from_config(config)
    assert settings.trust == "pinned"
    assert settings.user_id.startswith("@")
    board = config.organisations[0].management[0]
    assert board.members["matrix"] == ["@chair:example.org", "@secretary:example.org"]
    assert config.organisations[0].allow_unencrypted_dm is False
