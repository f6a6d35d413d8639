"""The ``intermediary`` command (:data:`main`), a package of subcommand modules.

:mod:`.app` assembles the click group; :mod:`.common` and :mod:`.session` hold what
the subcommands share; each other module is one subcommand or group of them.
"""

from intermediary.cli.app import main

__all__ = ["main"]
