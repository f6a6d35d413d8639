"""intermediary: a confidential counsellor between reporter and management.

The pure protocol lives in :mod:`intermediary.core`; this package's top level
names what an embedder needs to run it (see ``docs/EMBEDDING.md``).
"""

from intermediary.config import ServiceConfig, load_config
from intermediary.errors import Fault, IntermediaryError
from intermediary.runtime import Runtime, start
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.delivery import DeliveryWorker, OutgoingMessage, Transport
from intermediary.service.facade import Service

__all__ = [
    "DeliveryWorker",
    "Fault",
    "IntermediaryError",
    "OutgoingMessage",
    "ReporterProfile",
    "Runtime",
    "Sender",
    "Service",
    "ServiceConfig",
    "Transport",
    "__version__",
    "load_config",
    "start",
]

__version__ = "0.1.0"
