"""The Matrix adapter: an end-to-end encrypted bot over the intermediary service."""

from intermediary_matrix.bot import MatrixBot
from intermediary_matrix.settings import MatrixSettings
from intermediary_matrix.startup import MatrixSetupError

__all__ = ["MatrixBot", "MatrixSettings", "MatrixSetupError"]
