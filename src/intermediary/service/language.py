"""A reporter's own language (``!language`` in the chat), kept with their open cases.

The choice is written into the sealed routing of each of the reporter's open cases, the
language every message to them is queued in (sealed under the case's contact key, gone
when the case closes, like the rest of the routing), and the messages already queued for
them are sealed again in it: all they read from then on is in their language, also after
a restart. A case opened later takes the language from the profile the front end hands
over (:class:`~intermediary.service.codec.ReporterProfile`). Nothing else records it: no
audit entry, no log line, nothing management or the case file sees.
"""

from __future__ import annotations

from intermediary import crypto
from intermediary.crypto.vault import contact_key
from intermediary.errors import ConcurrentUpdate, IntegrityError
from intermediary.service.codec import Envelope, Sender
from intermediary.service.facade import Service
from intermediary.service.outbound import outbox_aad
from intermediary.store import UnitOfWork
from intermediary.text import Locale

__all__ = ["keep_language", "kept_language"]

#: how often a change is tried again when a command on the same case came in between
_ATTEMPTS = 3


async def kept_language(service: Service, sender: Sender) -> Locale | None:
    """The language kept with the reporter's open cases (the first that has one)."""
    reporters = service.sealer.reporters
    for case_id in sorted(await reporters.open_cases(sender)):
        routing = await reporters.routing(case_id)
        if routing is not None and routing.locale is not None:
            return routing.locale
    return None


async def keep_language(service: Service, sender: Sender, locale: Locale) -> None:
    """Keep ``locale`` with each open case of the reporter at ``sender``, and queue what
    waits for them in it."""
    for case_id in sorted(await service.sealer.reporters.open_cases(sender)):
        for attempt in range(_ATTEMPTS):
            try:
                await _keep(service, case_id, locale)
                break
            except ConcurrentUpdate:
                if attempt == _ATTEMPTS - 1:
                    raise


async def _keep(service: Service, case_id: str, locale: Locale) -> None:
    store = service.store
    contact = contact_key(store.vault, case_id)
    routing = await service.sealer.reporters.routing_under(case_id, contact)
    loaded = await store.load_case(case_id)
    if routing is None or contact is None or loaded is None or routing.locale == locale:
        return
    row, _ = loaded
    chosen = routing.model_copy(update={"locale": locale})
    unit = UnitOfWork(case=row, expected_version=row.version)
    unit.routing = crypto.op_encrypt(
        service.keys, "routing", case_id.encode(), chosen.model_dump_json().encode(), shred=contact
    )
    for item in await store.pending_outbox(case_id):
        aad = outbox_aad(item.key, item.not_before)
        try:  # only the reporter's open under the contact key
            plain = crypto.op_decrypt(service.keys, "outbox", aad, item.payload, shred=contact)
        except IntegrityError:
            continue
        envelope = Envelope.model_validate_json(plain).model_copy(update={"locale": locale})
        unit.outbox_payloads[item.key] = crypto.op_encrypt(
            service.keys, "outbox", aad, envelope.model_dump_json().encode(), shred=contact
        )
    await service.commit(unit)
