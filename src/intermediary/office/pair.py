"""Giving a second counsellor the case key, on the machine of a counsellor who holds it.

As a handover does (:mod:`intermediary.office.handover`): the case key is opened here
with the holder's own key and sealed to the second counsellor's *configured* public key,
so the service never sees a case key and the key can only go to a counsellor the
configuration names in the case's organisation. The service then checks the step
(the reporter agreed to that counsellor) and keeps the sealed key beside the first.

A case whose key was replaced before (a counsellor removed) has earlier keys too, kept
as ``counsellor:<id>|<generation>``: each is sealed to the second counsellor under the
same generation, so she reads the case from its start as the first one does.
"""

from __future__ import annotations

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.core import AddPair, Case, CounsellorActor, CounsellorId, OrgId
from intermediary.errors import IntegrityError, UnknownCase
from intermediary.office.generations import sealed_to
from intermediary.office.handover import successor_of
from intermediary.office.keeper import Office
from intermediary.store import UnitOfWork

__all__ = ["share_case"]


async def share_case(
    office: Office, config: ServiceConfig, key: crypto.CounsellorKey, case_id: str, second: str
) -> Case:
    """Give ``second`` (a counsellor id or public key of the case's organisation) the keys
    of ``case_id``, opened with ``key`` (a counsellor holding them)."""
    found = await office.store.load_case(case_id)
    if found is None:
        raise UnknownCase(case=case_id)
    row = found[0]
    public = key.public.encode()
    org = config.organisation(row.org_id)
    me = next((c for c in org.counsellors if c.public_key == public), None) if org else None
    if me is None:
        raise IntegrityError("errors.not_a_counsellor_key", case=case_id)
    target = successor_of(config, row.org_id, second)
    sealed = await sealed_to(office.store, row.case_id, key, f"counsellor:{me.id}", target)
    if not sealed or "|" in sealed[0].holder:
        raise IntegrityError("errors.not_a_counsellor_key", case=case_id)
    current, earlier = sealed[0], sealed[1:]

    def with_earlier(unit: UnitOfWork, case: Case) -> None:
        unit.sealed_keys += earlier

    actor = CounsellorActor(OrgId(row.org_id), CounsellorId(me.id))
    return await office.service.act_as(
        actor, row.case_id, AddPair(counsellor=target.id), transfer=current, finish=with_earlier
    )
