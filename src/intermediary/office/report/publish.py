"""One run of the annual report from an installation: count, suppress, record.

:func:`prepare` reads the database (no key needed): the signed records of the
organisation's earlier reports of the year, every case as it stood at the end
of the year (or now, for a draft), and builds the report with the earlier
records as known to its reader. It decides what this run is:

- ``draft``: the year is not over; the report says DRAFT on every page;
- ``new``: the year is over and this is the first report of its end (or the
  numbers changed since, which they should not);
- ``same``: the year is over and a report of its end was recorded before with
  exactly these numbers: that report is shown again, not suppressed anew (a
  second suppression of the same numbers could hide other cells, and the two
  together would show more than either);
- ``reproduced``: the year's report was declared final; the recorded report is
  shown again, exactly.

:func:`record` then signs what the run published into the audit chain (after
the counsellor confirmed the trends text; before the files are written).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from intermediary import crypto
from intermediary.config import OrganisationConfig
from intermediary.core import Role
from intermediary.core.states import State
from intermediary.directory import load_referrals
from intermediary.errors import IntegrityError, InvalidInput
from intermediary.office.keeper import FINAL_REPORT, Office
from intermediary.office.report.build import build_with_sheet, paragraphs
from intermediary.office.report.html import render_html
from intermediary.office.report.model import AnnualReport, Counsellor
from intermediary.office.report.record import PUBLISHED, Publication
from intermediary.office.report.signals import outside_counts, outside_table
from intermediary.office.report.stats import Activity, CaseStats
from intermediary.office.report.tables import case_tables
from intermediary.office.report.yearend import KINDS, cutoff, live_stats, overlay, trails, year_end
from intermediary.service.audit import authentic, verify_chain
from intermediary.service.codec import load_case
from intermediary.store import AuditRecord, Store

__all__ = ["FINAL", "Prepared", "prepare", "record"]

#: audit kind of the final report (the office's retention waits for it)
FINAL = FINAL_REPORT
Kind = Literal["draft", "new", "same", "reproduced"]


@dataclass(frozen=True)
class Prepared:
    report: AnnualReport
    kind: Kind
    #: what to record (``None``: nothing new was published)
    publication: Publication | None
    final: bool
    #: when the report shown again was recorded (``same``, ``reproduced``)
    recorded_on: date | None = None


def _signed(
    records: Sequence[AuditRecord], key: crypto.ServiceVerifyKey, org: str, year: int
) -> list[AuditRecord]:
    """The records of ``org``'s reports of ``year``, in order; one the service did not
    sign (edited, or written in by hand) stops the run."""
    mine = [
        r for r in sorted(records, key=lambda r: r.seq) if r.org_id == org and _year_of(r) == year
    ]
    for r in mine:
        if not authentic(r, key):
            raise IntegrityError(
                "errors.report_record_changed", organisation=org, year=year, seq=r.seq
            )
    return mine


def _year_of(record: AuditRecord) -> int | None:
    try:
        return int(json.loads(record.details)["year"])
    except (ValueError, KeyError, TypeError):
        return None


def _publication(record: AuditRecord) -> Publication | None:
    text = json.loads(record.details).get("record")
    return Publication.from_json(text) if text else None  # a final from before records


async def _statistics(
    store: Store, key: crypto.ServiceVerifyKey, org: OrganisationConfig, year: int, now: datetime
) -> list[CaseStats]:
    moment = min(now, year_end(year, org.timezone))
    stats: dict[str, CaseStats] = {}
    for row in await store.cases_for_org(org.id):
        if row.state == State.PURGED:
            stats[row.case_id] = CaseStats.from_json(row.meta)
        else:
            stats[row.case_id] = live_stats(load_case(row.meta, None), now)
    records = [r for kind in KINDS for r in await store.audit_entries(kind=kind)]
    signed = [r for r in records if r.org_id == org.id and authentic(r, key)]
    mine = {k: s for k, s in stats.items() if s.opened_year == year}
    return overlay(mine, trails(signed), cutoff(moment), year)


def _slugs(publications: Sequence[Publication], table: str) -> list[str]:
    """The rows a table had in earlier reports: they stay."""
    return [
        row.key.split(".", 1)[1]
        for p in publications
        for t in p.report.tables
        if t.key == table
        for row in t.rows
        if not row.key.startswith(f"{table}.~")
    ]


async def prepare(
    store: Store,
    key: crypto.ServiceVerifyKey,
    org: OrganisationConfig,
    year: int,
    *,
    now: datetime,
    activities: Sequence[Activity],
    trends: str,
    final: bool,
) -> Prepared:
    """What this run shows (see the module's text); raises when ``final`` cannot be."""
    over = now >= year_end(year, org.timezone)
    if final and not over:
        raise InvalidInput("errors.report_final_draft", year=year, next=year + 1)
    entries = [*await store.audit_entries(kind=PUBLISHED), *await store.audit_entries(kind=FINAL)]
    records = _signed(entries, key, org.id, year)
    # the earlier reports are constraints, and the final one is the year's report: a
    # record deleted from the chain (each one was checked on its own just now) would let
    # a year be declared final twice, or drop a draft from what suppression must respect
    chain = verify_chain(await store.audit_log(), key)
    if chain.problems:
        raise IntegrityError(
            "errors.report_chain_broken", count=len(chain.problems), problem=chain.problems[0]
        )
    finals = [r for r in records if r.kind == FINAL]
    if finals and final:
        raise InvalidInput("errors.report_final_already", organisation=org.id, year=year)
    texts = paragraphs(trends)
    recorded = finals[0] if finals else None
    if recorded is not None and (kept := _publication(recorded)) is not None:
        report = kept.as_status("final", texts)
        return Prepared(report, "reproduced", None, False, kept.report.generated_on)
    publications = [p for r in records if (p := _publication(r)) is not None]
    stats = await _statistics(store, key, org, year, now)
    policy = org.policy()
    categories = [*policy.categories, *_slugs(publications, "categories")]
    bodies = [*(org.referral_bodies or load_referrals().slugs), *_slugs(publications, "referrals")]
    if over:
        mine = [s for s in stats if s.org_id == org.id and s.opened_year == year]
        _, grid = case_tables(mine, year, org.locale, categories=categories, bodies=bodies)
        ends = [p for p in publications if p.sheet.year_end]
        if ends and ends[-1].matches(grid.values):
            last = ends[-1]
            report = last.as_status("final" if final else "complete", texts)
            again = Publication(report, last.sheet) if final else None
            return Prepared(report, "same", again, final, last.report.generated_on)
    report, sheet = build_with_sheet(
        org_id=org.id,
        org_name=org.name,
        locale=org.locale,
        min_cell_size=org.min_cell_size,
        year=year,
        stats=stats,
        activities=activities,
        trends=trends,
        generated_at=now,
        size_band=org.size_band,
        categories=categories,
        bodies=bodies,
        history=[p.sheet for p in publications],
        status=("final" if final else "complete") if over else "draft",
        counsellors=[Counsellor(c.name, str(c.kind)) for c in org.counsellors],
        agreements=[a.version for a in org.agreements],
        outside=outside_table(
            await outside_counts(store, key, org.id, year), org.min_cell_size, org.locale
        ),
    )
    return Prepared(report, "new" if over else "draft", Publication(report, sheet), final)


async def record(office: Office, prepared: Prepared) -> None:
    """Sign what this run published into the audit chain."""
    publication = prepared.publication
    if publication is None:
        return
    report = publication.report
    details: dict[str, str | int] = {"year": report.year, "record": publication.to_json()}
    kind = PUBLISHED
    if prepared.final:
        kind = FINAL
        digest = hashlib.sha256(render_html(prepared.report).encode("utf-8")).hexdigest()
        details["report"] = digest
    await office.record(report.org_id, kind, Role.COUNSELLOR, **details)
