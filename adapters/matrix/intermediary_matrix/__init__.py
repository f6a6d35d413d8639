"""The Matrix adapter: an end-to-end encrypted bot over the intermediary service."""

from intermediary_matrix.bot import MatrixBot, MatrixSetupError
from intermediary_matrix.settings import MatrixSettings

__all__ = ["MatrixBot", "MatrixSettings", "MatrixSetupError"]
