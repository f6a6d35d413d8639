"""The ``intermediary`` command."""

from intermediary.cli.commands import main

__all__ = ["main"]
