"""Moving case keys between holders: a counsellor's handover, and the recovery quorum.

Runs where a private key is: the leaving counsellor's machine, or the table
where the recovery share holders meet. Each case key is opened there and
sealed to the successor's *configured* public key, so the service never sees
a case key and a handover can only go to someone the configuration names as
a counsellor of that organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from intermediary import crypto
from intermediary.config import CounsellorConfig, ServiceConfig
from intermediary.core import (
    Case,
    CounsellorActor,
    CounsellorId,
    Handover,
    OrgId,
    RemovePair,
    Role,
    State,
)
from intermediary.core.complaint_steps import still_accompanied
from intermediary.core.states import ACTIVE, AFTERCARE
from intermediary.crypto.recovery import WrongShare, combine_shares
from intermediary.crypto.vault import shred_key
from intermediary.errors import IntegrityError, InvalidInput
from intermediary.office.generations import sealed_to
from intermediary.office.keeper import Office
from intermediary.service.casefile import unlock_case
from intermediary.service.casekeys import RECOVERY_HOLDER, sealed_case_key
from intermediary.service.codec import load_case
from intermediary.store import CaseRow, Store, UnitOfWork

__all__ = ["HandoverResult", "hand_over_cases", "recover_cases", "recovery_key", "successor_of"]


@dataclass(frozen=True)
class HandoverResult:
    #: cases now with the successor (or re-sealed to the new key)
    moved: tuple[str, ...]
    #: closed cases that stay where they are (nothing of them is still being done)
    kept: tuple[str, ...]
    #: cases opened before a recovery key was configured (recovery only)
    unrecoverable: tuple[str, ...] = ()
    #: cases the leaving counsellor worked on beside another: she leaves them, the
    #: other stays on (a handover only)
    left: tuple[str, ...] = ()


def successor_of(config: ServiceConfig, org_id: str, who: str) -> CounsellorConfig:
    """The configured counsellor ``who`` (an id or a public key) of ``org_id``."""
    org = config.organisation(org_id)
    assert org is not None
    for counsellor in org.counsellors:
        if who in (counsellor.id, counsellor.public_key):
            return counsellor
    raise InvalidInput(
        "errors.handover_not_counsellor",
        who=who if len(who) <= 24 else who[:24] + "…",
        organisation=org_id,
        choices=", ".join(c.id for c in org.counsellors),
    )


def _goes_along(row: CaseRow, office: Office) -> bool:
    """Whether a case goes with its counsellor's other cases to a successor: an open
    one, one in aftercare, or a closed one whose formal complaint she still accompanies
    (its reminders must reach whoever does that now). The step's own guard says the
    same; this only keeps the rest out of the handover's list."""
    if row.state in ACTIVE or row.state in AFTERCARE:
        return True
    return row.state == State.CLOSED and still_accompanied(load_case(row.meta, None), office.clock)


def _counsellor_of_key(
    config: ServiceConfig, key: crypto.CounsellorKey
) -> list[tuple[str, CounsellorConfig]]:
    public = key.public.encode()
    return [
        (org.id, c)
        for org in config.organisations
        for c in org.counsellors
        if c.public_key == public
    ]


async def hand_over_cases(
    office: Office, config: ServiceConfig, key: crypto.CounsellorKey, successor: str
) -> HandoverResult:
    """Hand every open case of the counsellor holding ``key`` to ``successor``."""
    mine = _counsellor_of_key(config, key)
    if not mine:
        raise IntegrityError("errors.not_a_counsellor_key", case="-")
    moved: list[str] = []
    kept: list[str] = []
    left: list[str] = []
    for org_id, leaving in mine:
        target = successor_of(config, org_id, successor)
        if target.id == leaving.id:
            raise InvalidInput("errors.handover_same", counsellor=target.id)
        rows = await office.store.cases_for_counsellor(org_id, leaving.id)
        actor = CounsellorActor(OrgId(org_id), CounsellorId(leaving.id))
        for row in rows:
            if not _goes_along(row, office):
                kept += [row.case_id] if row.state == State.CLOSED else []
                continue
            if target.id in load_case(row.meta, None).partners:
                # the successor works on it already: it stays with her alone
                await office.service.act_as(actor, row.case_id, RemovePair(counsellor=leaving.id))
                moved.append(row.case_id)
                continue
            secret = await unlock_case(office.store, row.case_id, key)
            await _move(office, actor, row, secret, target, key, f"counsellor:{leaving.id}")
            moved.append(row.case_id)
        left += await _leave_second_cases(office, actor, org_id)
    if not moved and not left:
        org_id, leaving = mine[0]
        raise InvalidInput("errors.handover_nothing", counsellor=leaving.id, organisation=org_id)
    return HandoverResult(tuple(moved), tuple(kept), left=tuple(left))


async def _leave_second_cases(office: Office, actor: CounsellorActor, org_id: str) -> list[str]:
    """The leaving counsellor steps off the cases she works on beside another counsellor
    (their first counsellor stays; the case key is made anew, so she reads nothing
    written after). A handover reads the organisation's cases for them: it is rare."""
    mine = actor.counsellor_id
    left = []
    for row in await office.store.cases_for_org(org_id):
        going = row.state in ACTIVE or row.state in AFTERCARE
        if going and mine in load_case(row.meta, None).partners:
            await office.service.act_as(actor, row.case_id, RemovePair(counsellor=mine))
            left.append(row.case_id)
    return left


async def _move(
    office: Office,
    actor: CounsellorActor,
    row: CaseRow,
    secret: crypto.CaseSecret,
    target: CounsellorConfig,
    key: crypto.CounsellorKey,
    holder: str,
) -> None:
    shred = shred_key(office.store.vault, row.case_id)
    sealed = sealed_case_key(shred, secret, row.case_id, f"counsellor:{target.id}", target.box_key)
    # a case whose key was replaced (two counsellors, one removed): its earlier keys go
    # with it, and the leaving counsellor's copies of them go too
    given = await sealed_to(office.store, row.case_id, key, holder, target)
    earlier = [k for k in given if "|" in k.holder]
    mine = f"counsellor:{actor.counsellor_id}|"
    gone = [
        k.holder for k in await office.store.sealed_keys(row.case_id) if k.holder.startswith(mine)
    ]

    def with_earlier(unit: UnitOfWork, case: Case) -> None:
        unit.sealed_keys += earlier
        unit.drop_holders += gone

    handover = Handover(successor=CounsellorId(target.id))
    await office.service.act_as(actor, row.case_id, handover, transfer=sealed, finish=with_earlier)


def recovery_key(config: ServiceConfig, shares: list[str]) -> crypto.CounsellorKey:
    """The recovery private key from ``shares``, checked against the configured one."""
    configured = config.service.recovery_public_key
    if not configured:
        raise InvalidInput("errors.no_recovery_key")
    public = crypto.BoxPublicKey.decode(configured)
    raw = combine_shares(shares, fingerprint=public.fingerprint())
    key = crypto.CounsellorKey.from_secret_bytes(raw)
    if key.public.encode() != public.encode():
        raise WrongShare("recovery.wrong_share")
    return key


async def _recovery_secret(
    store: Store, case_id: str, key: crypto.CounsellorKey
) -> crypto.CaseSecret | None:
    sealed = {k.holder: k for k in await store.sealed_keys(case_id)}
    held = sealed.get(RECOVERY_HOLDER)
    if held is None:
        return None
    inner = crypto.shred_open(shred_key(store.vault, case_id), "case-key", case_id, held.blob)
    return crypto.open_case_secret(inner, case_id, key)


async def recover_cases(
    office: Office,
    config: ServiceConfig,
    key: crypto.CounsellorKey,
    *,
    org_id: str,
    counsellor: str,
    successor: str | None = None,
) -> HandoverResult:
    """With the recovery key: re-seal the cases of ``counsellor`` to the key now in the
    configuration for them (a lost key replaced), or, with ``successor``, hand their
    open cases over (a counsellor who left without doing it)."""
    if config.organisation(org_id) is None:
        raise InvalidInput(
            "errors.unknown_organisation",
            organisation=org_id,
            choices=", ".join(o.id for o in config.organisations),
        )
    current = successor_of(config, org_id, counsellor)
    target = successor_of(config, org_id, successor) if successor else current
    if successor and target.id == current.id:
        raise InvalidInput("errors.handover_same", counsellor=target.id)
    rows = await office.store.cases_for_counsellor(org_id, current.id)
    if not rows:
        raise InvalidInput("errors.recovery_no_cases", counsellor=current.id, organisation=org_id)
    actor = CounsellorActor(OrgId(org_id), CounsellorId(current.id))
    moved: list[str] = []
    kept: list[str] = []
    lost: list[str] = []
    for row in rows:
        if row.state == State.PURGED or (successor and not _goes_along(row, office)):
            kept += [row.case_id] if row.state == State.CLOSED else []
            continue
        secret = await _recovery_secret(office.store, row.case_id, key)
        if secret is None:
            lost.append(row.case_id)
            continue
        if successor:
            await _move(office, actor, row, secret, target, key, RECOVERY_HOLDER)
        else:
            shred = shred_key(office.store.vault, row.case_id)
            sealed = sealed_case_key(
                shred, secret, row.case_id, f"counsellor:{target.id}", target.box_key
            )
            await office.reseal(row.case_id, sealed, reason="recovery")
        moved.append(row.case_id)
    await office.record(
        org_id,
        "recovery_used",
        Role.COUNSELLOR,
        counsellor=current.id,
        successor=target.id,
        cases=len(moved),
    )
    return HandoverResult(tuple(moved), tuple(kept), tuple(lost))
