"""Text commands shared by the console, Matrix and the Slack fallback."""

from intermediary.chat.frontend import ChatFrontEnd
from intermediary.chat.parse import Line, parse_line

__all__ = ["ChatFrontEnd", "Line", "parse_line"]
