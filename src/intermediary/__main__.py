"""``python -m intermediary`` is the ``intermediary`` command."""

from intermediary.cli import main

main()
