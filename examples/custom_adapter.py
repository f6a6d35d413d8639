"""A custom front end in under 100 lines: an intranet "speak-up" form and mailboxes.

It shows the three things every adapter does: translate its own events into
service calls, deliver what the outbox holds through a ``Transport``, and run
the delivery worker. Run it: ``python examples/custom_adapter.py``.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import defaultdict
from pathlib import Path

from intermediary import OutgoingMessage, ReporterProfile, Sender, crypto, start
from intermediary.config import (
    CounsellorConfig,
    DestinationConfig,
    OrganisationConfig,
    ServiceConfig,
)
from intermediary.core import Acknowledge, Approve, CounsellorKind, Disclosure, Draft, Mode

PLATFORM = "intranet"


class Mailboxes:
    """Our "platform": every party has a mailbox; ``send`` drops a message in it."""

    def __init__(self) -> None:
        self.boxes: dict[str, list[str]] = defaultdict(list)

    async def send(self, message: OutgoingMessage) -> None:
        self.boxes[message.address].append(message.text)


def configuration(counsellor: crypto.BoxPublicKey) -> ServiceConfig:
    org = OrganisationConfig(
        id="acme",
        name="Acme",
        counsellors=[
            CounsellorConfig(
                id="daan",
                name="Daan",
                kind=CounsellorKind.EXTERNAL,
                public_key=counsellor.encode(),
                addresses={PLATFORM: "daan@intranet"},
            )
        ],
        management=[
            DestinationConfig(id="board", name="the board", addresses={PLATFORM: "board@intranet"})
        ],
    )
    return ServiceConfig(organisations=[org])


async def main(folder: Path) -> Mailboxes:
    counsellor_key = crypto.CounsellorKey.generate()  # lives on the counsellor's laptop
    config = configuration(counsellor_key.public).model_copy(update={"base_dir": str(folder)})
    mail = Mailboxes()
    runtime = await start(config, crypto.ServiceKeys.generate(), mail, platform=PLATFORM)
    service = runtime.service
    employee = Sender(platform=PLATFORM, address="employee-4711")
    daan = Sender(platform=PLATFORM, address="daan@intranet")
    board = Sender(platform=PLATFORM, address="board@intranet")

    # 1. the intranet form was submitted
    case, _receipt = await service.open_case(  # the receipt is also delivered to the employee
        employee,
        ReporterProfile(display_name="Pat Doe", email="pat@acme.example"),
        org_id="acme",
        counsellor_id="daan",
        mode=Mode.REPORT,
        disclosure=Disclosure.CONFIDENTIAL,
        categories=["fraud_theft"],
        first_message="Invoices from one supplier are paid twice.",
    )
    # 2. the counsellor drafts, the employee approves, management acknowledges
    case = await service.act(daan, case.case_id, Draft(text="Duplicate supplier payments."))
    await service.act(employee, case.case_id, Approve(number=case.pending[0].number))
    await service.act(board, case.case_id, Acknowledge())
    # 3. reminders and purges, then deliver everything queued (a real adapter runs
    #    runtime.keep_house and worker.run_forever as tasks)
    await runtime.housekeeping()
    await runtime.worker.run_once()
    await runtime.close()
    return mail


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        boxes = asyncio.run(main(Path(tmp))).boxes
        for address, messages in boxes.items():
            for text in messages:
                print(f"--- to {address}\n{text}\n")
