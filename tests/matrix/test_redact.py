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


def test_tracebacks_stacks_and_extra_fields_are_redacted_too() -> None:
    """A failure's traceback quotes the room or user it was about (issue 14, item 11)."""
    handler_output = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            handler_output.append(self.format(record) + " " + str(vars(record).get("target")))

    handler = Collect()
    handler.addFilter(MatrixIdFilter())
    logger = logging.getLogger("test.redact.traceback")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise RuntimeError("could not send to !room123:example.org for @saskia:example.org")
        except RuntimeError:
            logger.exception(
                "delivery failed", extra={"target": "@saskia:example.org"}, stack_info=True
            )
    finally:
        logger.removeHandler(handler)
    text = handler_output[0]
    assert "RuntimeError" in text  # the traceback is still there
    assert "Traceback" in text
    assert "saskia" not in text
    assert "!room123" not in text
    assert text.count("[matrix id]") >= 2
