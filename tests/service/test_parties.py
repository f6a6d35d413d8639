"""Who is who: the one answer a front end asks the service for (service/parties.py)."""

from __future__ import annotations

import pytest

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.core import CounsellorActor, ManagementActor
from intermediary.crypto.vault import MemoryVault
from intermediary.errors import ConfigError
from intermediary.service.facade import Service
from intermediary.service.parties import Parties
from intermediary.store import MemoryStore
from tests.harness import make_harness, two_board_config
from tests.office.test_keeper import relayed_case
from tests.service.test_authorization import SENDERS, build, two_org_config


def test_console_parties_are_known_by_their_ids_in_every_organisation() -> None:
    parties = Parties(two_org_config(), "console")
    assert {(c.org_id, c.counsellor_id, c.address) for c in parties.counsellors()} == {
        ("acme", "daan", "daan"),
        ("acme", "ilse", "ilse"),
        ("globex", "gert", "gert"),
    }
    assert [c.counsellor_id for c in parties.counsellors("globex")] == ["gert"]
    assert set(parties.management_places()) == {"director", "board", "gboard"}
    assert parties.organisations_of("gert") == ["globex"]


def test_a_party_without_an_address_on_the_platform_is_not_on_it() -> None:
    config = two_org_config()
    acme = config.organisations[0]
    board = acme.management[1].model_copy(
        update={"addresses": {"slack": "C-BOARD"}, "members": {"slack": ["U-ANN", "U-BOB"]}}
    )
    orgs = [acme.model_copy(update={"management": [board]}), config.organisations[1]]
    parties = Parties(ServiceConfig(service=config.service, organisations=orgs), "slack")
    assert parties.counsellors() == []
    place = parties.management_places()["C-BOARD"]
    assert (place.org_id, place.destination_id, place.members) == (
        "acme",
        "board",
        ("U-ANN", "U-BOB"),
    )
    assert parties.people() == {"U-ANN", "U-BOB"}
    assert parties.people("globex") == set()


async def test_who_a_sender_is_in_one_answer() -> None:
    world = await build("relayed")
    service = world.h.service
    daan = service.who(SENDERS["counsellor"])
    assert daan.counsellor == (CounsellorActor("acme", "daan"),)
    assert not daan.is_reporter
    board = service.who(SENDERS["told_management"])
    assert board.management == (ManagementActor("acme", "board"),)
    assert not board.counsellor
    assert service.who(SENDERS["reporter"]).is_reporter
    counsellor = await service.counsellor_of(world.case_id)
    assert counsellor is not None
    assert counsellor.counsellor_id == "daan"
    assert await service.counsellor_of("VP-0000-0000") is None
    await world.h.close()


async def test_service_refuses_a_configuration_without_addresses() -> None:
    key = crypto.CounsellorKey.generate()
    config = two_board_config(key, key)
    with pytest.raises(ConfigError, match="no address for platform 'matrix'"):
        Service(
            store=MemoryStore(vault=MemoryVault()),
            keys=crypto.ServiceKeys.generate(),
            config=config,
            platform="matrix",
        )


async def test_the_counsellor_of_a_purged_case_is_still_known() -> None:
    """A counsellor writing in a purged case's room is answered "purged", not "not
    yours": who counselled it outlives its content."""
    h = await make_harness()
    case = await relayed_case(h)
    await h.say("counsellor", f"!close {case} resolved bullying")
    await h.office.purge(case)
    counsellor = await h.service.counsellor_of(case)
    assert counsellor is not None
    assert counsellor.counsellor_id == (await h.store.load_case(case))[0].counsellor_id  # type: ignore[index]
    assert await h.service.counsellor_of(case.lower()) == counsellor
    assert await h.service.counsellor_of("not a case") is None
    await h.close()
