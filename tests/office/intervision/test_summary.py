"""The intervision export: identifying details out, generalised facts in."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from intermediary.core.case import Case
from intermediary.core.ids import CaseId, CounsellorId, OrgId, ReporterIndex
from intermediary.core.states import State
from intermediary.core.vocabulary import ClockAnchor, Disclosure, EntryKind, Mode, Outcome
from intermediary.office.intervision import summary as intervision
from intermediary.office.intervision.mask import KINDS
from intermediary.office.intervision.summary import identity_names, scrub, summary
from intermediary.service.casefile import CaseFileEntry
from intermediary.service.codec import Identity
from intermediary.text import LOCALES, catalog, placeholders
from tests.office.intervision.helpers import NAMES, absent

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")


# --- the reporter's identity ------------------------------------------------------------


def test_identity_names() -> None:
    identity = Identity(
        platform="slack",
        address="U123ABC",
        display_name="Saskia Jansen",
        handle="sjansen",
        email="saskia.jansen@example.org",
    )
    names = identity_names(identity)
    assert set(names) == {"U123ABC", "Saskia Jansen", "sjansen", "saskia.jansen@example.org"}
    out = scrub("sjansen (saskia.jansen) wrote as U123ABC; saskia agreed.", names=names)
    assert out == "[name] ([name]) wrote as [name]; [name] agreed."


# --- the summary ------------------------------------------------------------------------

OPENED = datetime(2027, 2, 10, 9, 30, tzinfo=UTC)
CASE = Case(
    case_id=CaseId("VP-7KQ3-M2XD"),
    org_id=OrgId("acme-logistics"),
    counsellor_id=CounsellorId("daan"),
    reporter=ReporterIndex("ab" * 32),
    mode=Mode.REPORT,
    disclosure=Disclosure.CONFIDENTIAL,
    categories=("bullying", "work_pressure"),
    state=State.CLOSED,
    anchor=ClockAnchor.RELAY,
    timezone="Europe/Amsterdam",
    opened_at=OPENED,
    received_at=OPENED + timedelta(hours=1),
    relayed_at=OPENED + timedelta(days=3),
    closed_at=OPENED + timedelta(days=40),
    outcome=Outcome.REFERRED,
    referrals=("hvk-advice",),
)


def entry(seq: int, kind: str, author: str, days: float, text: str) -> CaseFileEntry:
    return CaseFileEntry(
        seq=seq, kind=kind, author=author, created_at=OPENED + timedelta(days=days), text=text
    )


ENTRIES = [
    entry(
        1,
        "message",
        "reporter",
        0.1,
        "Hi, I'm Saskia Jansen from the Finance department at Acme Logistics. My manager "
        'Karel Bos shouted "you are worthless" at me on 3 February 2027 at 10:15.',
    ),
    entry(
        2,
        "reply",
        "counsellor",
        1,
        "Thank you Saskia. Can we talk on Thursday? Call me on 06-12345678, or mail "
        "daan@vertrouwen.example.nl. Greetings, Daan",
    ),
    entry(3, "note", "counsellor", 9, "Spoke with her on 2027-02-19; team Noord is known for it."),
    entry(4, "approval", "reporter", 10, "approved relay 1 3f2a9c0d8e7b6a5f4e3d2c1b0a99 now"),
    entry(5, "referral", "counsellor", 20, "hvk-advice"),
    entry(6, "reveal", "counsellor", 21, "Karel Bos asked who it was; I refused."),
    entry(7, "disclosure", "counsellor", 22, '{"record": "legal_obligation", "basis": "x"}'),
    entry(8, "message", "reporter", 30, "Thanks, Daan. It is better now in acme-logistics."),
]


def summarised(locale: str = "en", **changes: object) -> str:
    return summary(
        replace(CASE, **changes),  # type: ignore[arg-type]
        list(reversed(ENTRIES)),
        names=NAMES,
        organisations=["Acme Logistics B.V."],
        departments=["Finance"],
        locale=locale,  # type: ignore[arg-type]
    )


def test_summary_has_the_generalised_facts() -> None:
    out = summarised()
    assert out.startswith("# Case for peer consultation (intervision), anonymised\n")
    for line in (
        "- Categories: Bullying, Work pressure",
        "- Opened: Q1 2027",
        "- Duration: 5 weeks from opening to closing",
        "- Status: closed",
        "- Outcome: referred elsewhere",
        "- Referred to: Huis voor Klokkenluiders — advice",
        "- Case file, entries: 8 (messages between reporter and counsellor: 3)",
    ):
        assert line in out.splitlines(), line
    assert "- Mode: report" in out


def test_summary_lists_every_entry_in_order_with_relative_weeks() -> None:
    labels = re.findall(r"^Entry (\d+) \((.+)\):$", summarised(), re.M)
    assert labels == [
        ("1", "reporter, message, week 1"),
        ("2", "counsellor, reply, week 1"),
        ("3", "counsellor, note, week 2"),
        ("4", "reporter, approval, week 2"),
        ("5", "counsellor, referral, week 3"),
        ("6", "counsellor, identity looked up, week 4"),
        ("7", "counsellor, confidentiality broken, week 4"),
        ("8", "reporter, message, week 5"),
    ]


def test_summary_leaves_out_identifying_details_and_exact_times() -> None:
    out = summarised()
    assert not ISO.search(out)
    assert not CLOCK.search(out)
    absent(
        out,
        "VP-7KQ3-M2XD",
        "7KQ3",
        "acme",
        "daan",
        "ab" * 32,
        "Saskia",
        "Jansen",
        "Karel",
        "Bos",
        "Finance",
        "Noord",
        "worthless",
        "12345678",
        "vertrouwen.example",
        "3f2a9c",
        "February",
        "Thursday",
        "legal_obligation",
        "refused",
    )
    assert "Referred to: Huis voor Klokkenluiders — advice" in out
    assert "(The reporter approved a text; the record is left out.)" in out


def test_summary_of_an_open_case() -> None:
    out = summarised(state=State.IN_FOLLOW_UP, closed_at=None, outcome=None, referrals=())
    assert "- Duration so far: 4 weeks (the case is still open)" in out
    assert "- Outcome: none yet" in out
    assert "- Referred to: none" in out
    assert "- Status: in follow-up" in out


def test_summary_of_a_short_case_without_entries() -> None:
    out = summary(
        replace(CASE, closed_at=OPENED + timedelta(days=2), mode=Mode.CONSULT, categories=()),
        [],
    )
    assert "- Duration: less than a week from opening to closing" in out
    assert "- Categories: none" in out
    assert "- Mode: consultation only (nothing goes to management)" in out
    assert "- Case file, entries: 0 (messages between reporter and counsellor: 0)" in out


def test_summary_quarter_is_taken_in_the_case_timezone() -> None:
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 2027 in Amsterdam
    out = summary(replace(CASE, opened_at=new_year, closed_at=None), [])
    assert "- Opened: Q1 2027" in out


def test_summary_in_dutch() -> None:
    out = summarised("nl")
    lines = out.splitlines()
    assert lines[0] == "# Zaak voor intervisie (geanonimiseerd)"
    for line in (
        "- Categorieën: Pesten, Werkdruk",
        "- Geopend: 1e kwartaal 2027",
        "- Duur: 5 weken van opening tot afsluiting",
        "- Stand: afgesloten",
        "- Uitkomst: doorverwezen",
        "- Doorverwezen naar: Huis voor Klokkenluiders — advies",
        "## Dossier",
        "Stuk 1 (melder, bericht, week 1):",
        "Stuk 3 (vertrouwenspersoon, notitie, week 2):",
    ):
        assert line in lines, line
    assert "[naam]" in out
    assert "[citaat verwijderd]" in out
    assert "[name]" not in out
    assert not ISO.search(out)
    assert not CLOCK.search(out)


# --- sentences --------------------------------------------------------------------------


def test_every_sentence_the_module_names_exists_in_both_languages() -> None:
    # the summary and every module of the scrubber beside it
    package = Path(intervision.__file__).parent
    source = "".join(path.read_text("utf-8") for path in sorted(package.glob("*.py")))
    named = set(re.findall(r'"(intervision\.[a-z_]+)"', source))
    named |= {f"intervision.{kind}" for kind in ("approval", "reveal", "disclosure", "legal_hold")}
    named |= {f"intervision.kind.{kind}" for kind in EntryKind}
    named |= {f"intervision.mode_text.{mode}" for mode in Mode}
    named |= {f"intervision.placeholder.{kind}" for kind in KINDS if kind != "quarter"}
    assert len(named) > 40
    for locale in LOCALES:
        words = catalog(locale)
        missing = named - set(words)
        assert not missing, (locale, sorted(missing))
    en, nl = catalog("en"), catalog("nl")
    for key in named:
        assert placeholders(en[key]) == placeholders(nl[key]), key


def test_a_file_the_reporter_sent_is_left_out_not_scrubbed() -> None:
    """An evidence entry holds the file itself (base64) with its neutral name: no scrubber
    can read a photo, so the summary says a file was sent and nothing of it."""
    payload = '{"name": "file-1.jpg", "content": "U2Fza2lhIEphbnNlbg==", "removed": ["gps"]}'
    out = summary(
        CASE,
        [entry(1, "evidence", "reporter", 0.5, payload)],
        names=NAMES,
        organisations=["Acme Logistics B.V."],
        departments=["Finance"],
        locale="en",
    )
    assert "Entry 1 (reporter, file, week 1):" in out
    assert "(The reporter sent a file; it is left out.)" in out
    for kept in ("U2Fza2lh", "file-1", "gps"):
        assert kept not in out
