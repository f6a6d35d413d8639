"""The ``[web]`` section of the configuration: the web page for reporters
(``intermediary run web``; docs/WEB.md). Apart from :mod:`intermediary.config` so that
module stays one screen of sections a reader can hold."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from intermediary.text.config_errors import invalid

__all__ = ["WebSection"]

#: an organisation's word in the web page's address (``/o/WORD``)
_WEB_WORD = re.compile(r"[A-Za-z0-9_-]{8,64}")


class WebSection(BaseModel):
    """The web front end for reporters (``intermediary run web``; docs/WEB.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: where it listens (behind a TLS proxy or an onion service), the address reporters
    #: are given, the cookie only over https (not on an onion service), idle minutes
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str = ""
    https_cookies: bool = True
    session_minutes: int = Field(default=15, ge=1, le=120)
    #: the organisations the page offers, each at its own address ``/o/WORD``: organisation
    #: id → WORD (8–64 letters, digits, ``-`` or ``_``). The page never lists them, so a
    #: stranger does not learn an external counsellor's clients; each organisation gives
    #: its employees its own address. Empty: the only organisation, at ``/``.
    organisations: dict[str, str] = Field(default_factory=dict)

    def check_offered(self, ids: list[str]) -> None:
        """Every organisation of a file with several has a word, and each word is of a
        known organisation, well formed and its own (the file's validator calls this)."""
        if not self.organisations and len(ids) > 1:
            raise invalid("config.check.web_which_organisations")
        for org_id, word in self.organisations.items():
            if org_id not in ids:
                raise invalid("config.check.web_unknown_organisation", organisation=org_id)
            if not _WEB_WORD.fullmatch(word):
                raise invalid("config.check.web_word", organisation=org_id)
        if len(set(self.organisations.values())) != len(self.organisations):
            raise invalid("config.check.web_word_twice")
