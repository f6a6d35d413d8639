"""What one run of the annual report published, as a record the service signs.

Every run of ``intermediary report`` (drafts too) is recorded in the audit chain
as what its reader saw: the tables as printed (labels, numbers, marks, tables
left out and why), the counsellor's activities, and what suppression took the
reader to know (:class:`~intermediary.report.knowledge.Sheet`: the numbers
shown, the marks, the relations). The next run of the same organisation and
year takes every earlier record as known to its reader, so that no set of
reports gives a hidden number away; the ``--final`` record is what every later
run of that year reproduces, exactly. The hidden numbers themselves are never
recorded. The trends text is not either (a later run may word it anew).

The audit chain is where the service keeps what must not change unseen: each
entry is hash-linked and signed with the service's key, in SQLite and in
PostgreSQL alike, and ``intermediary verify`` checks it. A record changed
after signing fails :func:`intermediary.audit.authentic` and stops the report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from intermediary.errors import IntegrityError
from intermediary.office.report.knowledge import Sheet
from intermediary.office.report.model import (
    AnnualReport,
    AtMost,
    Counsellor,
    Covers,
    Relation,
    Row,
    Status,
    Sum,
    Table,
)

__all__ = ["PUBLISHED", "Publication", "relation_data", "relation_of"]

#: audit kind of a report run's record (the final one is ``office.FINAL_REPORT``)
PUBLISHED: Final = "annual_report_published"
_VERSION: Final = 1
_WHAT: Final = "annual report record"


def relation_data(relation: Relation) -> list[Any]:
    if isinstance(relation, Sum):
        return ["sum", relation.total, list(relation.parts)]
    if isinstance(relation, Covers):
        return ["covers", relation.whole, list(relation.parts)]
    return ["at_most", relation.small, relation.large]


def relation_of(data: list[Any]) -> Relation:
    kind, first, second = data
    if kind == "sum":
        return Sum(str(first), tuple(map(str, second)))
    if kind == "covers":
        return Covers(str(first), tuple(map(str, second)))
    if kind == "at_most":
        return AtMost(str(first), str(second))
    raise ValueError(f"unknown relation {kind!r}")


def _table_data(table: Table) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "withheld": table.withheld,
        "chart": table.chart,
        "rows": [[r.key, r.label, r.shown, r.value, r.hidden, r.total] for r in table.rows],
    }


def _table_of(data: dict[str, Any]) -> Table:
    return Table(
        key=data["key"],
        title=data["title"],
        note=data["note"],
        withheld=data["withheld"],
        chart=bool(data["chart"]),
        rows=tuple(
            Row(key=k, label=label, shown=shown, value=value, hidden=hidden, total=bool(total))
            for k, label, shown, value, hidden, total in data["rows"]
        ),
    )


@dataclass(frozen=True)
class Publication:
    """One run's report (without its trends) and what its reader knows."""

    report: AnnualReport
    sheet: Sheet

    def to_json(self) -> str:
        r, s = self.report, self.sheet
        data = {
            "v": _VERSION,
            "locale": r.locale,
            "org_id": r.org_id,
            "org_name": r.org_name,
            "year": r.year,
            "min_cell_size": r.min_cell_size,
            "generated_on": r.generated_on.isoformat(),
            "status": r.status,
            "notice": r.notice,
            "counsellors": [[c.name, c.kind] for c in r.counsellors],
            "agreements": list(r.agreements),
            "tables": [_table_data(t) for t in r.tables],
            "activities": _table_data(r.activities),
            "relations": [relation_data(x) for x in r.relations],
            "sheet": {
                "min": s.min_cell_size,
                "shown": dict(s.shown),
                "hidden": dict(s.hidden),
                "relations": [relation_data(x) for x in s.relations],
                "assumed": [relation_data(x) for x in s.assumed],
                "year_end": s.year_end,
            },
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Publication:
        """Read :meth:`to_json`'s text back; anything else is an :class:`IntegrityError`."""
        try:
            data = json.loads(text)
            if data.get("v") != _VERSION:
                raise ValueError("not a version 1 record")
            sheet = data["sheet"]
            report = AnnualReport(
                locale=data["locale"],
                org_id=data["org_id"],
                org_name=data["org_name"],
                year=int(data["year"]),
                min_cell_size=int(data["min_cell_size"]),
                generated_on=date.fromisoformat(data["generated_on"]),
                tables=tuple(_table_of(t) for t in data["tables"]),
                activities=_table_of(data["activities"]),
                trends=(),
                relations=tuple(relation_of(x) for x in data["relations"]),
                status=data["status"],
                notice=data["notice"],
                # records made before the introduction named the counsellors have none
                counsellors=tuple(
                    Counsellor(str(name), str(kind)) for name, kind in data.get("counsellors", [])
                ),
                # nor those made before it named the agreements
                agreements=tuple(str(v) for v in data.get("agreements", [])),
            )
            return cls(
                report=report,
                sheet=Sheet(
                    min_cell_size=int(sheet["min"]),
                    shown={str(k): int(v) for k, v in sheet["shown"].items()},
                    hidden={str(k): v for k, v in sheet["hidden"].items()},
                    relations=tuple(relation_of(x) for x in sheet["relations"]),
                    year_end=bool(sheet["year_end"]),
                    assumed=tuple(relation_of(x) for x in sheet["assumed"]),
                ),
            )
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            raise IntegrityError(what=_WHAT) from None

    def as_status(self, status: Status, trends: tuple[str, ...]) -> AnnualReport:
        """The recorded report again, with this run's status and trends."""
        r = self.report
        return AnnualReport(
            locale=r.locale,
            org_id=r.org_id,
            org_name=r.org_name,
            year=r.year,
            min_cell_size=r.min_cell_size,
            generated_on=r.generated_on,
            tables=r.tables,
            activities=r.activities,
            trends=trends,
            relations=r.relations,
            status=status,
            notice=r.notice,
            counsellors=r.counsellors,
            agreements=r.agreements,
        )

    def matches(self, values: Mapping[str, int]) -> bool:
        """Whether the true numbers ``values`` are what this record shows: every shown
        number the same, every hidden one within its mark, no row more or less. Then
        the recorded report stands for them (a run after the year ended repeats it)."""
        sheet = self.sheet
        published = {t.key for t in self.report.tables if t.withheld is None}
        if {k for k in values if k.split(".", 1)[0] in published} != set(sheet.keys):
            return False
        limit = sheet.min_cell_size
        if any(values[key] != shown for key, shown in sheet.shown.items()):
            return False
        return all((mark == "small") == (values[key] < limit) for key, mark in sheet.hidden.items())
