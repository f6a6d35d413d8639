import logging

import pytest
from intermediary_matrix.redact import MatrixIdFilter


@pytest.mark.parametrize(
    "text",
    [
        "Creating Inbound session for @saskia:example.org",
        "room !abc123:localhost:8448 left",
        "device of @a.b-c=d/e:matrix.example.nl",
    ],
)
def test_matrix_ids_are_redacted(text: str) -> None:
    record = logging.LogRecord("nio.crypto.log", logging.WARNING, __file__, 1, "%s", (text,), None)
    assert MatrixIdFilter().filter(record)
    shown = record.getMessage()
    assert "[matrix id]" in shown
    assert "@" not in shown.replace("[matrix id]", "")
    assert "!" not in shown.replace("[matrix id]", "")


def test_other_text_is_left_alone() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "case %s opened", ("VP-1",), None)
    MatrixIdFilter().filter(record)
    assert record.getMessage() == "case VP-1 opened"
