"""Commands arrive unaddressed; the service addresses them to whom it authenticated.

A front end builds ``Reply(text=...)`` from what a person typed. Whatever actor or case
such a command names, ``Service.act`` replaces both with the actor it authenticates the
sender as and the case it loads: naming someone else in a command gains nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intermediary.core import (
    Approve,
    Case,
    CaseId,
    Context,
    CounsellorActor,
    CounsellorId,
    Draft,
    OrgId,
    Reply,
    ReporterActor,
    SendMessage,
    step,
)
from intermediary.errors import NotAllowed, ProtocolError, UnknownCase
from tests.service.test_authorization import SENDERS, build, snapshot


async def test_a_reporter_naming_the_counsellor_in_a_reply_is_still_the_reporter() -> None:
    world = await build("relayed")
    h, case_id = world.h, world.case_id
    forged = Reply(actor=CounsellorActor(OrgId("acme"), CounsellorId("daan")), text="Hi")
    before = await snapshot(h)
    with pytest.raises(NotAllowed):
        await h.service.act(SENDERS["reporter"], case_id, forged)
    assert await snapshot(h) == before
    await h.close()


async def test_a_command_naming_another_case_acts_on_the_case_given() -> None:
    world = await build("relayed")
    h, case_id = world.h, world.case_id
    elsewhere = CaseId("VP-0000-0000")
    case = await h.service.act(
        SENDERS["reporter"], case_id, SendMessage(case_id=elsewhere, text="One more thing.")
    )
    assert case.case_id == case_id
    await h.close()


async def test_a_stranger_naming_the_reporter_index_learns_nothing() -> None:
    world = await build("relayed")
    h, case_id = world.h, world.case_id
    case = await h.service.case_for(SENDERS["reporter"], case_id)
    stranger = SENDERS["stranger"]
    with pytest.raises(UnknownCase):
        await h.service.act(
            stranger, case_id, Approve(actor=ReporterActor(case.reporter), number=1)
        )  # the reporter's index, named in the command, is not the sender
    with pytest.raises(ProtocolError):
        await h.service.act(
            stranger,
            case_id,
            Draft(actor=CounsellorActor(case.org_id, case.counsellor_id), text="x"),
        )
    assert await h.service.case_for(SENDERS["reporter"], case_id) == case
    await h.close()


async def test_an_unaddressed_command_reaching_the_core_is_a_case_unknown() -> None:
    world = await build("relayed")
    h, case_id = world.h, world.case_id
    case: Case = await h.service.case_for(SENDERS["reporter"], case_id)
    policy = h.service.policy(case.org_id)
    ctx = Context(now=datetime.now(UTC), policy=policy)
    for command in (
        SendMessage(case_id=case.case_id, text="x"),
        Reply(case_id=case.case_id, text="x"),
    ):
        with pytest.raises(UnknownCase):
            step(case, command, ctx)
    await h.close()


async def test_a_command_type_of_ones_own_is_refused_as_a_programming_error() -> None:
    """A subclass of a core command (which could override what the service fills in) has
    no row in the lifecycle table: a clear TypeError, nothing changed (found by review)."""

    class MyReply(Reply):
        pass

    world = await build("relayed")
    h, case_id = world.h, world.case_id
    before = await snapshot(h)
    with pytest.raises(TypeError, match="MyReply is not one of the core's command types"):
        await h.service.act(SENDERS["counsellor"], case_id, MyReply(text="Hi"))
    assert await snapshot(h) == before
    await h.close()
