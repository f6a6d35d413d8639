"""Dates and times (:mod:`intermediary.office.intervision.dates`)."""

from __future__ import annotations

import re

import pytest

from tests.office.intervision.helpers import clean


@pytest.mark.parametrize(
    "date",
    [
        "2026-03-12",
        "2026-03-12T09:30:00+01:00",
        "12-03-2026",
        "12/03/2026",
        "12.03.2026",
        "12-3-26",
        "12/3",
        "12 March 2026",
        "12 march",
        "12th of March",
        "12 maart",
        "12 maart 2026",
        "1e mei",
        "March 12th",
        "March 12, 2026",
        "Mar. 12",
        "the 12th",
        "Monday",
        "maandag",
        "vrijdagmiddag",
        "on Tuesdays",
    ],
)
def test_exact_dates_become_date(date: str) -> None:
    out = clean(f"It happened {date} near the printer.")
    assert "[date]" in out, out
    assert not re.search(r"\d", out.replace("[date]", "")), out
    for word in ("March", "maart", "mei", "Monday", "maandag", "vrijdag", "Tuesday"):
        if word.lower() in date.lower():
            assert word.lower() not in out.lower()


@pytest.mark.parametrize(
    "time", ["10:15", "9:05:30", "3pm", "3 p.m.", "10.30 uur", "om 9 uur", "7 o'clock"]
)
def test_clock_times_become_time(time: str) -> None:
    out = clean(f"We met {time} in the canteen.")
    assert "[time]" in out, out
    assert not re.search(r"\d", out), out


@pytest.mark.parametrize(
    "kept",
    [
        "in March",
        "in maart",
        "in het eerste kwartaal",
        "in Q1",
        "in 2026",
        "yesterday",
        "gisteren",
        "last week",
        "vorige week",
        "in the spring",
    ],
)
def test_months_quarters_and_relative_dates_stay(kept: str) -> None:
    assert clean(f"It started {kept} and went on.") == f"It started {kept} and went on."


@pytest.mark.parametrize(
    ("raw", "locale", "shown"),
    [
        ("since March 2026", "en", "since Q1 2026"),
        ("sinds maart 2026", "nl", "sinds 1e kwartaal 2026"),
        ("in Dec 2025", "en", "in Q4 2025"),
        ("in oktober '25", "nl", "in 4e kwartaal 2025"),
        ("in november vorig jaar", "nl", "in 4e kwartaal vorig jaar"),
        ("in August of last year", "en", "in Q3 of last year"),
    ],
)
def test_a_month_with_its_year_becomes_the_quarter(raw: str, locale: str, shown: str) -> None:
    assert clean(f"It started {raw} and went on.", locale) == f"It started {shown} and went on."
