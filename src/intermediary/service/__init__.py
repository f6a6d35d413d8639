"""The service: load → step → seal → commit, with its outbox, audit chain and delivery.

:class:`Service` is the facade an adapter talks to; the other modules are its parts.
"""

from intermediary.service.facade import Service

__all__ = ["Service"]
