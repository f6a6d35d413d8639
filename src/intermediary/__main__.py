"""``python -m intermediary`` is the ``intermediary`` command."""

from intermediary.cli.commands import main

main()
