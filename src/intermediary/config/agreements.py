"""An organisation's confidentiality agreements in the configuration file.

What the counsellor and the employer agreed on the limits of confidentiality (when the
counsellor may or must break it, what the employer may ask, what the annual report
holds) is text the organisation's reporters are shown at first contact and with
``!agreements``. It is versioned: a changed agreement is a new ``[[organisations.agreements]]``
entry after the old one, so a case keeps the version it was opened under and the text
of that version stays readable.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from intermediary.core import Agreement

__all__ = ["AgreementConfig"]


class AgreementConfig(BaseModel):
    """One version of the agreements (the last one listed is in force)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: how the version is named to reporters and in the case file ("2026-1")
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
    text: str = Field(min_length=1, max_length=8000)

    def agreement(self) -> Agreement:
        return Agreement(version=self.version, text=self.text)
