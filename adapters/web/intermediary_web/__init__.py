"""The web front end for reporters (first slice): server-rendered pages, no JavaScript
needed, the web inbox read on each visit (docs/WEB.md)."""

from intermediary_web.app import build_app
from intermediary_web.sessions import Sessions

__all__ = ["Sessions", "build_app"]
