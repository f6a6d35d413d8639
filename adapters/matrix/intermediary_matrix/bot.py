"""The Matrix bot: a thin shell of ack → translate → handle → deliver.

Rooms and who may speak in them:

- a reporter's **direct room** with the bot, encrypted (an unencrypted one is
  refused with an explanation unless every organisation allows it; which one is
  hers after a restart: ``rooms.py``);
- one encrypted **case room** per case for its counsellor, named like "Case VP-7KQ3"
  (the first part of the case code), with no topic; plain text there goes to the
  case's reporter;
- each management destination's configured **room**, where only the members
  listed for that destination may give commands;
- a counsellor's **notices room**, made by the bot when it has to tell them about
  a refused session or identity (``membership.py``), where they may ``!trust``.

Which sessions of the people in a room get its keys is the trust policy
(``membership.py``, ``sessions.py``, ``trust.py``; default "pinned").

The bot writes only in rooms that only their people can read: encrypted, and with
nobody in them who does not belong there (``rooms.py``); a management or case room
that is not encrypted is refused, and so are its commands.

Anything else is ignored. Every incoming event is handled at most once: its name is
committed with the change it causes (an encrypted event's name is its Megolm
position, so that a copy sent again under a new event id is the same event:
``replay.py``), and an event already handled is ignored before anything is done with
it; the sync position is saved only after a whole batch was handled, so a crash
replays rather than loses.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    LocalProtocolError,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    OlmUnverifiedDeviceError,
    RoomCreateResponse,
    RoomMessageText,
    RoomSendError,
    RoomSendResponse,
    SyncResponse,
)
from nio.exceptions import SendRetryError

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.crypto.files import private_folder, tighten, write_private
from intermediary.errors import DuplicateEvent, PermanentDeliveryError, TransientDeliveryError
from intermediary.runtime import Runtime
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.delivery import OutgoingMessage
from intermediary.store.records import UnitOfWork
from intermediary.text import Locale, render
from intermediary_matrix.crosssign import bootstrap
from intermediary_matrix.membership import Notice
from intermediary_matrix.render import message_parts, notice_content
from intermediary_matrix.replay import MegolmPositions
from intermediary_matrix.rooms import UNENCRYPTED_ROOM, Rooms
from intermediary_matrix.sessions import SessionGuard
from intermediary_matrix.settings import MatrixSettings
from intermediary_matrix.state import BotState
from intermediary_matrix.trust import PinStore, PinStoreError

__all__ = ["PLATFORM", "MatrixBot", "MatrixSetupError"]

PLATFORM = "matrix"
log = logging.getLogger("intermediary.matrix")

#: messages longer than this are refused before they reach the service
MAX_EVENT_TEXT = 16_000

UNENCRYPTED = (
    "This conversation is not end-to-end encrypted, so I cannot take reports here. "
    "Please start a new direct chat with me and turn encryption on (Element does this by "
    "default). Nothing you wrote here was stored.\n"
    "Dit gesprek is niet end-to-end versleuteld, dus ik kan hier geen meldingen aannemen. "
    "Begin een nieuw direct gesprek met versleuteling aan. Er is niets opgeslagen."
)
NOT_YOURS = (
    "Only the people set up for this room can give commands here. "
    "Alleen de mensen die voor deze ruimte zijn ingesteld, kunnen hier opdrachten geven."
)


class MatrixSetupError(RuntimeError):
    """The bot cannot start safely (no encryption machine, no login)."""


class MatrixBot(Rooms):
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

    def _new_client(self, device_id: str) -> AsyncClient:
        return AsyncClient(
            self.settings.homeserver,
            self.settings.user_id,
            device_id=device_id,
            store_path=str(self.state_dir / "crypto"),
            config=AsyncClientConfig(
                encryption_enabled=True,
                store_sync_tokens=True,
                max_limit_exceeded=0,
                max_timeouts=0,
                request_timeout=60,
                pickle_key=crypto.derived_secret(self.runtime.keys, "matrix-nio-pickle"),
            ),
        )

    # --- start-up -------------------------------------------------------------------------

    async def start(self) -> None:
        store_dir = self.state_dir / "crypto"
        private_folder(self.state_dir)
        private_folder(store_dir)
        session_file = self.state_dir / "session.sealed"
        keys = self.runtime.keys
        if session_file.exists():
            session = json.loads(
                crypto.op_decrypt(keys, "matrix-session", b"", session_file.read_bytes())
            )
            problem = None if any(store_dir.glob("*.db")) else "missing"
            if problem is None:
                try:
                    self.client.restore_login(
                        self.settings.user_id, session["device_id"], session["access_token"]
                    )
                except Exception:  # nio raises several kinds for an unreadable store
                    problem = "unreadable (replaced, damaged or under another key)"
            if problem is not None:
                await self._rekey(store_dir, session_file, session, problem)
        if not session_file.exists():
            await self._login(session_file)
        if self.client.olm is None:
            # matrix-nio would otherwise send plaintext into encrypted rooms
            raise MatrixSetupError(
                "the end-to-end encryption machine is not loaded "
                "(crypto store missing or unreadable); refusing to start"
            )
        self.positions.watch(self.client.olm)
        tighten(self.state_dir)  # nio made its store with the process's umask
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        self.master_key = await bootstrap(
            self.client, keys, self.state_dir / "cross-signing.sealed", self.password
        )
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)

    async def _rekey(
        self, store_dir: Path, session_file: Path, session: dict[str, str], problem: str
    ) -> None:
        """The store's keys are gone: replace the device, so clients can reach the bot.

        A new device id as well, since clients rightly refuse new keys under an old one.
        """
        log.warning("the crypto store is %s: re-keying the bot's device", problem)
        if any(store_dir.iterdir()):
            store_dir.rename(store_dir.with_name(f"crypto.unusable-{session['device_id']}"))
            private_folder(store_dir)
        await self._forget_device(session["access_token"], session["device_id"])
        session_file.unlink()
        suffix = crypto.derived_secret(self.runtime.keys, f"device-{session['device_id']}")[:6]
        self.client = self._new_client(f"{self.settings.device_id}-{suffix.upper()}")

    async def _login(self, session_file: Path) -> None:
        if self.password is None:
            raise MatrixSetupError(f"set {self.settings.password_env} to log in the bot")
        answer = await self.client.login(self.password, device_name=self.settings.device_name)
        if not isinstance(answer, LoginResponse):
            raise MatrixSetupError(f"login failed: {answer}")
        session = {"device_id": answer.device_id, "access_token": answer.access_token}
        sealed = crypto.op_encrypt(
            self.runtime.keys, "matrix-session", b"", json.dumps(session).encode()
        )
        write_private(session_file, sealed)

    async def _forget_device(self, token: str, device_id: str) -> None:
        """Delete the old device (and its keys) on the homeserver, with the password."""
        self.client.access_token, self.client.user_id = token, self.settings.user_id
        path = f"/_matrix/client/v3/devices/{device_id}"
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        answer = await self.client.send("DELETE", path, json.dumps({}), headers)
        if answer.status == 401:
            session = (await answer.json()).get("session")
            auth = {
                "type": "m.login.password",
                "session": session,
                "password": self.password,
                "identifier": {"type": "m.id.user", "user": self.settings.user_id},
            }
            answer = await self.client.send("DELETE", path, json.dumps({"auth": auth}), headers)
        if answer.status not in (200, 404):
            raise MatrixSetupError(f"could not replace the old device ({answer.status})")
        self.client.access_token = ""

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
                response = await self.client.sync(
                    timeout=self.settings.sync_timeout_ms,
                    full_state=first,
                    since=(self.state.since or None) if first else None,
                )
            except Exception as error:  # network errors of every library in the stack
                response = error
            if not isinstance(response, SyncResponse):
                failures += 1
                delay = min(60.0, 0.5 * 2 ** min(failures, 7))
                log.warning(
                    "sync failed, retrying",
                    extra={"retry_in": delay, "error": type(response).__name__},
                )
                await _sleep_or_stop(stop, delay)
                continue
            failures = 0
            self._note_key_count(response)
            self.guard.forget(response.device_list.changed)
            if first:
                await self._learn_rooms()
                await self._check_management_rooms()
                first = False
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

    async def close(self) -> None:
        await self.client.close()

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

    # --- incoming -----------------------------------------------------------------------

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key != self.client.user_id or event.membership != "invite":
            return
        direct = bool(event.content.get("is_direct"))
        if direct or room.room_id in self._management_rooms():
            await self.client.join(room.room_id)
        else:
            # invites from strangers to group rooms: decline, without reading anything
            await self.client.room_leave(room.room_id)

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

    async def _handle_event(self, room: MatrixRoom, event: Any) -> None:
        log.debug("event %s", type(event).__name__)
        if getattr(event, "sender", None) == self.client.user_id:
            return
        if isinstance(event, MegolmEvent):  # could not be decrypted
            if event.event_id in self.positions.replayed:
                # a copy of a message matrix-nio saw in this run: ignored, silently
                log.warning("a copy of an encrypted message handled before was ignored")
                return
            await self._reply(
                room,
                "I could not decrypt your last message. Please send it "
                "again. / Ik kon je laatste bericht niet ontsleutelen; "
                "stuur het nog eens.",
            )
            return
        if not isinstance(event, RoomMessageText):
            return
        name = self.positions.name_of(event)
        if name is None:  # pragma: no cover - matrix-nio told its position when decrypting
            log.warning("a decrypted message whose Megolm position is unknown was ignored")
            return
        key = f"{PLATFORM}:{name}"
        if await self.service.event_handled(key):
            # handled before: a redelivery, or a copy sent again (after a restart, under
            # a new event id); nothing is done and nothing answered
            log.info("an event handled before was ignored")
            return
        content = event.source.get("content")
        relates = content.get("m.relates_to") if isinstance(content, dict) else None
        # a sender controls the content: ``m.relates_to`` may be anything, not only an object
        if isinstance(relates, dict) and relates.get("rel_type") == "m.replace":
            await self._reply(
                room,
                "Edits are not applied: what you approved or sent stays as "
                "it was. Send a new message instead. / Bewerkingen worden "
                "niet overgenomen; stuur een nieuw bericht.",
            )
            return
        text = event.body
        if len(text) > MAX_EVENT_TEXT:
            await self._reply(
                room,
                f"That message is too long ({len(text)} characters). Please split it.",
            )
            return
        kind = self._room_kind(room)
        log.debug("event in a %s room", kind)
        sender = Sender(platform=PLATFORM, address=event.sender)
        if not room.encrypted and kind in ("management", "case", "notices"):
            # readable by whoever the homeserver lets in: no command is taken here
            await self._refuse_room(room, kind, UNENCRYPTED_ROOM)
            if event.sender in await self._expected_members(room):
                locale = self.front.locale_of(sender)
                await self._reply(room, render("matrix.room_not_encrypted", locale))
            return
        if not await self._from_trusted_session(room, event, kind):
            return
        if kind == "management":
            destination = self._destination_of(room.room_id)
            if event.sender not in self._members(destination):
                await self._reply(room, NOT_YOURS)
                return
            answers = await self.front.handle(
                Sender(platform=PLATFORM, address=room.room_id), text, event_key=key
            )
        elif kind == "case":
            case_id = self.state.room_case(room.room_id)
            if event.sender != await self._counsellor_of(case_id):
                await self._reply(room, NOT_YOURS)
                return
            answers = await self.front.handle(sender, text, room_case=case_id, event_key=key)
        elif kind == "notices":
            if event.sender != self.state.notices_of(room.room_id):
                await self._reply(room, NOT_YOURS)
                return
            answers = [await self._trust_command(room, event)]
        elif kind == "dm":
            if not room.encrypted and not self._unencrypted_allowed():
                await self._reply(room, UNENCRYPTED)
                return
            self.dm_rooms[event.sender] = room.room_id
            profile = ReporterProfile(
                display_name=room.user_name(event.sender) or "",
                handle=event.sender.split(":")[0].lstrip("@"),
            )
            answers = await self.front.handle(sender, text, profile=profile, event_key=key)
        else:
            return
        await self._remember(key)
        for answer in answers:
            await self._answer(room, answer)

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

    async def _from_trusted_session(
        self, room: MatrixRoom, event: RoomMessageText, kind: str
    ) -> bool:
        """Whether a command may be acted on: in an encrypted room, under the pinned trust
        policy, only what a session the bot trusts sent. A homeserver administrator can
        sign in as anyone (or inject an unencrypted event into an encrypted room): from
        such a session nobody's words are taken, whether a reporter's approval, a
        counsellor's reply or management's feedback. The answer is encrypted to the
        person's trusted sessions only, so it warns them and not the intruder."""
        if not room.encrypted or self.settings.trust != "pinned" or kind == "other":
            return True
        sender_key = getattr(event, "sender_key", None)
        await self._trust(room)  # the sender's sessions as they stand now
        if self.guard.trusted_sender(self.client, event.sender, sender_key):
            return True
        if self.client.olm is not None and sender_key:
            # a session that signed in a moment ago may not be in the device list yet:
            # ask the server once more before calling it untrusted
            self.client.olm.users_for_key_query.add(event.sender)
            await self.client.keys_query()
            await self._trust(room)
            if self.guard.trusted_sender(self.client, event.sender, sender_key):
                return True
        log.warning("a message from a session that is not trusted was ignored (%s room)", kind)
        locale = self.front.locale_of(Sender(platform=PLATFORM, address=event.sender))
        await self._reply(room, render("matrix.untrusted_sender", locale))
        return False

    # --- outgoing -----------------------------------------------------------------------

    async def _prepare(self, room: MatrixRoom) -> None:
        """Before encrypting to a room: know its members, their devices and sessions."""
        client = self.client
        if not room.members_synced:
            await client.joined_members(room.room_id)
        if client.should_query_keys:
            await client.keys_query()
        if not await self._trust(room):
            raise TransientDeliveryError(detail="no session of the people in the room is trusted")
        missing = client.get_missing_sessions(room.room_id)
        if missing:
            await client.keys_claim(missing)

    async def _answer(self, room: MatrixRoom, text: str) -> None:
        """An immediate answer that may say something of a case or a person (an answer
        to a command, a notice): only where :meth:`send` would write too."""
        try:
            await self._check_room(room)
        except TransientDeliveryError:
            log.warning("an answer was not given in a room it may not be read in")
            return
        await self._reply(room, text)

    async def _reply(self, room: MatrixRoom, text: str) -> None:
        """An immediate answer in the same room (not queued), as it is: for the bot's set
        sentences, which say nothing of any case or person (:meth:`_answer` otherwise)."""
        try:
            if room.encrypted:
                await self._prepare(room)
            await self.client.room_send(
                room.room_id,
                "m.room.message",
                notice_content(text),
                ignore_unverified_devices=False,
            )
        except (
            OlmUnverifiedDeviceError,
            SendRetryError,
            LocalProtocolError,
            TransientDeliveryError,
        ) as error:
            log.warning("could not answer in a room: %s", type(error).__name__)

    async def send(self, message: OutgoingMessage) -> None:
        """The :class:`Transport`: deliver one outbox item, with its key as transaction id."""
        room_id = await self._room_for(message)
        room = self.client.rooms.get(room_id)
        if room is None:
            raise TransientDeliveryError(detail="the bot has not joined the room yet")
        await self._check_room(room)  # encrypted, and nobody in it who does not belong
        try:
            if room.encrypted:
                await self._prepare(room)
            locale: Locale = "nl" if message.locale == "nl" else "en"
            # a text too long for one event goes in several, in order (render.py); each
            # has its own transaction id, so a retry sends none of them twice
            for n, content in enumerate(message_parts(message.text, locale)):
                answer = await self.client.room_send(
                    room_id,
                    "m.room.message",
                    content,
                    tx_id=f"{message.idempotency_key}.{n}" if n else message.idempotency_key,
                    ignore_unverified_devices=False,
                )
                if not isinstance(answer, RoomSendResponse):
                    break
        except OlmUnverifiedDeviceError:
            raise TransientDeliveryError(detail="a device in the room is not trusted") from None
        except (SendRetryError, TimeoutError, OSError) as error:
            raise TransientDeliveryError(detail=type(error).__name__) from None
        except LocalProtocolError:
            raise TransientDeliveryError(detail="the bot is not in the room") from None
        if isinstance(answer, RoomSendResponse):
            return
        assert isinstance(answer, RoomSendError)
        if answer.status_code == "M_LIMIT_EXCEEDED":
            retry = (answer.retry_after_ms or 5000) / 1000
            raise TransientDeliveryError(detail="rate limited", retry_after=retry)
        if answer.status_code in ("M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_TOKEN", "M_TOO_LARGE"):
            raise PermanentDeliveryError(detail=answer.status_code)
        raise TransientDeliveryError(detail=answer.status_code or "send failed")

    async def _room_for(self, message: OutgoingMessage) -> str:
        if message.recipient == "management":
            return message.address
        if message.recipient == "reporter":
            return await self._dm_for(message.address)
        if not message.case_id:  # about no case (an audit checkpoint): the notices room
            return await self._notice_room(message.address)
        room = self.state.case_rooms.get(message.case_id)
        if room is None:
            room = await self._create_room(
                invite=message.address, direct=False, name=f"Case {message.case_id[:7]}"
            )
            self.state.case_rooms[message.case_id] = room
            self.state.save()
        return room

    async def _create_room(self, *, invite: str, direct: bool, name: str | None) -> str:
        encryption = {
            "type": "m.room.encryption",
            "state_key": "",
            "content": {"algorithm": "m.megolm.v1.aes-sha2"},
        }
        answer = await self.client.room_create(
            name=name, is_direct=direct, invite=[invite], initial_state=[encryption]
        )
        if not isinstance(answer, RoomCreateResponse):
            raise TransientDeliveryError(detail="could not create a room")
        room_id = str(answer.room_id)
        self._know_new_room(room_id, invite)
        if direct:
            self.dm_rooms[invite] = room_id
        return room_id

    def _know_new_room(self, room_id: str, invite: str) -> None:
        """Know the room just created before the next sync shows it, as sync would.

        Otherwise the first message for it failed ("not joined yet") and waited for its
        retry, while the messages after it, sent once a sync had shown the room, went
        first: the counsellor read a case out of order (found by the load test).
        """
        client = self.client
        if room_id in client.rooms:
            return
        room = MatrixRoom(room_id, client.user_id, encrypted=True)
        room.add_member(client.user_id, None, None)
        room.add_member(invite, None, None, invited=True)
        client.rooms[room_id] = room
        client.encrypted_rooms.add(room_id)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
