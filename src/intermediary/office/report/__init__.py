"""The anonymised annual report (*jaarverslag*) of the confidential counsellor.

For the board and the works council: contacts and cases, consult versus
report, categories, outcomes, referrals, relays, deadline compliance, the
counsellor's activities, trends and advice, with nothing traceable to a
person (DOMAIN.md, "Annual report"). Pure, apart from :func:`write_report` and
:mod:`.publish`:

- :mod:`.stats`: what a purged case leaves behind (:class:`CaseStats`) and the
  counsellor's own work (:class:`Activity`);
- :mod:`.yearend`: every case as it stood at the end of its year (or now, for a draft);
- :mod:`.tables`: the true counts of every table;
- :mod:`.band`: how much an organisation of its size gets;
- :mod:`.knowledge`, :mod:`.solver`: what a reader of the year's reports can work out;
- :mod:`.grid`: the counts before suppression and the sheet a reader sees;
- :mod:`.suppress`: which counts to hide, so that none can be derived;
- :mod:`.build`: the report of one organisation and year (:func:`build_report`);
- :mod:`.record`, :mod:`.publish`: each run recorded, signed; the final one reproduced;
- :mod:`.trends`: words in the counsellor's trends text that may identify someone;
- :mod:`.html`, :mod:`.csv`, :mod:`.files`: rendering and writing.
"""

from __future__ import annotations

from intermediary.office.report.build import build_report
from intermediary.office.report.csv import render_csv
from intermediary.office.report.files import write_report
from intermediary.office.report.html import render_html
from intermediary.office.report.model import AnnualReport, Counsellor, Row, Table
from intermediary.office.report.stats import ACTIVITY_KINDS, Activity, CaseStats, statistics_of
from intermediary.office.report.suppress import derivable_cells

__all__ = [
    "ACTIVITY_KINDS",
    "Activity",
    "AnnualReport",
    "CaseStats",
    "Counsellor",
    "Row",
    "Table",
    "build_report",
    "derivable_cells",
    "render_csv",
    "render_html",
    "statistics_of",
    "write_report",
]
