"""Case metadata crosses into storage and back unchanged, also from older rows."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from intermediary.core import State
from intermediary.core.case import Told
from intermediary.service.codec import dump_case, load_case
from tests.helpers import BOARD, DIRECTOR, NOW, case_in


def test_each_destinations_told_moment_survives_storage() -> None:
    later = NOW + timedelta(days=2)
    case = case_in(State.RELAYED, destinations=(BOARD, DIRECTOR), told=(Told(DIRECTOR, later),))
    back = load_case(dump_case(case), list(case.pending))
    assert back == case
    assert back.told_at(DIRECTOR) == later
    assert back.told_at(BOARD) == case.relayed_at


def test_a_case_stored_before_told_moments_were_kept_reads_as_told_with_its_first_relay() -> None:
    case = case_in(State.RELAYED, destinations=(BOARD, DIRECTOR))
    meta = json.loads(dump_case(case))
    del meta["told"]
    back = load_case(json.dumps(meta), list(case.pending))
    assert back == replace(case, told=())
    assert back.told_at(DIRECTOR) == case.relayed_at
    assert back.is_known_to(DIRECTOR, NOW)
    assert back.told_at("nobody") is None
