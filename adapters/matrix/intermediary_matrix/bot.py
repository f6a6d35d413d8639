"""The Matrix bot: a thin shell of translate → check → handle → deliver.

Rooms and who may speak in them:

- a reporter's **direct room** with the bot, encrypted (an unencrypted one is
  refused with an explanation unless every organisation allows it; which one is
  hers after a restart: ``rooms.py``);
- one encrypted **case room** per case for its counsellor, named like "Case VP-7KQ3"
  (the first part of the case code, in the counsellor's language), with no topic;
  plain text there goes to the case's reporter;
- each management destination's configured **room**, where only the members
  listed for that destination may give commands;
- a counsellor's **notices room**, made by the bot when it has to tell them about
  a refused session or identity (``notices.py``), where they may ``!trust``.

What an event asks for is decided by ``translate.py`` alone (pure, tested on
recorded events); who is who by the service (``membership.py``); which sessions of
the people in a room get its keys by the trust policy (``membership.py``,
``sessions.py``, ``trust.py``; default "pinned"); everything written by
``deliver.py``, only in rooms that only their people can read: encrypted, and with
nobody in them who does not belong there (``rooms.py``). Logging in is
``startup.py``.

Every incoming event is handled at most once: its name is committed with the change
it causes (an encrypted event's name is its Megolm position, so that a copy sent
again under a new event id is the same event: ``replay.py``), and an event already
handled is ignored before anything is done with it; the sync position is saved only
after a whole batch was handled, so a crash replays rather than loses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

from nio import InviteMemberEvent, MatrixRoom, SyncResponse

from intermediary.chat import ChatFrontEnd
from intermediary.errors import DuplicateEvent
from intermediary.runtime import Runtime
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.store.records import UnitOfWork
from intermediary_matrix.deliver import Delivery
from intermediary_matrix.evidence import take_file
from intermediary_matrix.notices import Notice
from intermediary_matrix.replay import MegolmPositions
from intermediary_matrix.rooms import UNENCRYPTED_ROOM
from intermediary_matrix.sessions import SessionGuard
from intermediary_matrix.settings import MatrixSettings
from intermediary_matrix.startup import MatrixSetupError, Startup
from intermediary_matrix.state import BotState
from intermediary_matrix.translate import NOT_YOURS, PLATFORM, Intent, Refusal, RoomKind, translate
from intermediary_matrix.trust import PinStore, PinStoreError

__all__ = ["MatrixBot"]

log = logging.getLogger("intermediary.matrix")
T = TypeVar("T")


class MatrixBot(Startup, Delivery):
    def __init__(
        self, runtime: Runtime, settings: MatrixSettings, *, password: str | None, state_dir: Path
    ) -> None:
        self.runtime = runtime
        self.service = runtime.service
        self.settings = settings
        self.password = password
        self.state_dir = state_dir
        self.front = ChatFrontEnd(runtime.service)
        self.state = BotState.load(state_dir / "state.json")
        try:
            pins = PinStore.load(state_dir / "trust.sealed", runtime.keys)
        except PinStoreError as error:
            raise MatrixSetupError(str(error)) from None
        self.guard = SessionGuard(
            pins,
            configured=self._configured_people,
            listed=[(d.user, d.device, d.key) for d in settings.trusted_devices],
        )
        self.notices: list[Notice] = []
        self.dm_rooms: dict[str, str] = {}  #: reporter's Matrix id -> their DM (memory only)
        self._rooms_logged: set[str] = set()
        self.positions = MegolmPositions()
        self.client = self._new_client(settings.device_id)
        self.master_key = ""

    async def start(self) -> None:
        await self._log_in()
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)

    async def close(self) -> None:
        await self.client.close()

    # --- the loop -----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Sync, handle and deliver until ``stop``; the homeserver going away is waited out."""
        first, failures = True, 0
        while not stop.is_set():
            try:
                # the first sync starts where the last handled batch ended, with the
                # rooms' full state; nio must not know that token as its own yet: it
                # skips a response whose token it already has, and after a quiet
                # restart (nothing new) the bot then knew none of its rooms
                response = await _unless_stopped(
                    stop,
                    self.client.sync(
                        timeout=self.settings.sync_timeout_ms,
                        full_state=first,
                        since=(self.state.since or None) if first else None,
                    ),
                )
            except Exception as error:  # network errors of every library in the stack
                response = error
            if stop.is_set():  # a batch cut short is fetched again from the saved position
                return
            if not isinstance(response, SyncResponse):
                self.runtime.tally.lost()  # /readyz says so until a sync succeeds again
                failures += 1
                delay = min(60.0, 0.5 * 2 ** min(failures, 7))
                log.warning(
                    "sync failed, retrying",
                    extra={"retry_in": delay, "error": type(response).__name__},
                )
                await _sleep_or_stop(stop, delay)
                continue
            failures = 0
            self.runtime.tally.heard()  # the metrics' last successful sync
            await self._round(response, first=first)
            first = False

    async def _round(self, response: SyncResponse, *, first: bool) -> None:
        """One synced batch: handle it, then save the position, keep the keys, deliver."""
        self._note_key_count(response)
        self.guard.forget(response.device_list.changed)
        if first:
            await self._learn_rooms()
            await self._check_management_rooms()
        await self._handle_batch(response)
        self.positions.forget()
        self.state.since = response.next_batch
        self.state.save()
        try:
            await self._keys_housekeeping()
            await self.runtime.housekeeping()
            await self.runtime.worker.run_once()
        except Exception as error:  # the next round tries again; nothing is lost
            log.warning("key upkeep or delivery failed: %s", type(error).__name__)
        await self._send_notices()

    def _note_key_count(self, response: SyncResponse) -> None:
        """How many one-time keys the homeserver still holds for the bot, zero included.

        matrix-nio skips a count of zero, so when new contacts used up every key
        between two syncs it went on believing in the last count it saw and never
        uploaded more: from then on nobody new could open an encrypted chat with the bot
        (their client found no key to start a session with), not even after a restart.
        Found by the load test (200 employees at once).
        """
        count = response.device_key_count.signed_curve25519
        if count is not None and self.client.olm is not None:
            self.client.olm.uploaded_key_count = count

    async def _keys_housekeeping(self) -> None:
        client = self.client
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())

    async def _handle_batch(self, response: SyncResponse) -> None:
        for room_id, info in response.rooms.join.items():
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            for event in info.timeline.events:
                try:
                    await self._handle_event(room, event)
                except Exception:  # one bad event must not stop the bot or lose the rest
                    log.exception(
                        "an event could not be handled", extra={"event_type": type(event).__name__}
                    )

    # --- the callbacks: translate → check → handle → deliver ---------------------------

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        """Join direct chats and management rooms; decline strangers' group rooms
        without reading anything."""
        if event.state_key != self.client.user_id or event.membership != "invite":
            return
        if event.content.get("is_direct") or room.room_id in self._management_rooms():
            await self.client.join(room.room_id)
        else:
            await self.client.room_leave(room.room_id)

    async def _handle_event(self, room: MatrixRoom, event: Any) -> None:
        me = self.client.user_id
        if getattr(event, "sender", None) == me:  # its own echo: not even the room is looked up
            return
        said = translate(event, await self._room_facts(room), me=me, positions=self.positions)
        if said is None or await self._handled_before(said.event_key):
            return
        if isinstance(said, Refusal):
            await self._refused(room, said)
        elif await self._from_trusted_session(room, said):
            await self._act(room, said)

    async def _refused(self, room: MatrixRoom, refusal: Refusal) -> None:
        if refusal.refuse_room:  # not encrypted: told to the counsellors, and logged
            await self._refuse_room(room, self._room_kind(room), UNENCRYPTED_ROOM)
        if refusal.answer:
            await self._say(room, refusal.key, refusal.sender, **refusal.params)

    async def _act(self, room: MatrixRoom, intent: Intent) -> None:
        if not intent.permitted:
            await self._say(room, NOT_YOURS, intent.sender)
            return
        answers = await self._dispatch(room, intent)
        await self._remember(intent.event_key)
        for answer in answers:
            await self._answer(room, answer)

    async def _dispatch(self, room: MatrixRoom, intent: Intent) -> list[str]:
        """Hand the line to the chat front end (``!trust``: to the bot itself)."""
        if intent.room.kind is RoomKind.NOTICES:
            return [await self._trust_command(room, intent)]
        profile = None
        if intent.room.kind is RoomKind.DM:
            self.dm_rooms[intent.sender] = room.room_id
            profile = ReporterProfile(display_name=intent.display_name, handle=intent.handle)
        sender = Sender(platform=PLATFORM, address=intent.acts_as)
        if intent.file is not None:  # a file in a reporter's direct chat (evidence)
            return await take_file(
                self.front, self.client, sender, intent.file, profile=profile,
                event_key=intent.event_key,
            )  # fmt: skip
        return await self.front.handle(
            sender,
            intent.text,
            profile=profile,
            room_case=intent.room.case_id,
            event_key=intent.event_key,
        )

    async def _handled_before(self, event_key: str | None) -> bool:
        """A redelivery, or a copy sent again (after a restart, under a new event id):
        nothing is done and nothing answered."""
        if event_key is None or not await self.service.event_handled(event_key):
            return False
        log.info("an event handled before was ignored")
        return True

    async def _remember(self, key: str) -> None:
        """Record ``key`` as handled if the command did not (one that changed nothing,
        such as ``!switch``, ``!new`` asking its questions, ``!trust``), so that a copy
        sent again later is ignored too."""
        try:
            if not await self.service.event_handled(key):
                await self.service.commit(UnitOfWork(event_key=key))
        except DuplicateEvent:
            return
        except Exception as error:  # the answer still goes; a copy would be answered again
            log.warning("an event could not be recorded as handled: %s", type(error).__name__)


async def _unless_stopped(stop: asyncio.Event, sync: Awaitable[T]) -> T | None:
    """``sync``'s answer, or None at once when ``stop`` is set (the long poll cancelled).

    A cancelled sync has handled nothing and saved no position, so the next start
    fetches the same batch again from the saved ``next_batch`` token.
    """
    polling = asyncio.ensure_future(sync)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not polling.done():
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await polling
    return polling.result() if not polling.cancelled() else None


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
