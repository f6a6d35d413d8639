"""The web front end on a real aiohttp server on loopback, with the real service and
SQLite store; the counsellor's office is a second service on the same database (as a
second process would be), acting through the console front end."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from intermediary_web import Sessions, build_app
from intermediary_web.app import RUNNER_OPTIONS, WebSettings

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.config import ServiceConfig
from intermediary.crypto.vault import sibling_vault
from intermediary.runtime import demo_config
from intermediary.service.codec import Sender
from intermediary.service.delivery import DeliveryWorker
from intermediary.service.facade import Service
from intermediary.service.parties import WEB
from intermediary.store import SqliteStore
from tests.harness import RecordingTransport

TOKEN = re.compile(r'name="token" value="([^"]+)"')


@dataclass
class Web:
    client: TestClient
    service: Service
    office: Service
    front: ChatFrontEnd
    worker: DeliveryWorker
    transport: RecordingTransport
    sessions: Sessions

    async def token(self, path: str = "/") -> str:
        page = await (await self.client.get(path)).text()
        found = TOKEN.search(page)
        assert found, page
        return found.group(1)

    async def counsellor(self, line: str) -> list[str]:
        """The counsellor types ``line`` in their console; then their process delivers."""
        answer = await self.front.handle(Sender(platform="console", address="counsellor"), line)
        await self.worker.run_once()
        return answer

    async def deliver(self) -> int:
        return await self.worker.run_once()

    def to_management(self) -> list[str]:
        return [m.text for m in self.transport.sent if m.recipient == "management"]


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Web]:
    async with serving(tmp_path, demo_config(crypto.CounsellorKey.generate().public)) as made:
        yield made


@asynccontextmanager
async def serving(tmp_path: Path, config: ServiceConfig) -> AsyncIterator[Web]:
    """The page for ``config`` on loopback, and the office beside it."""
    db = tmp_path / "case.db"
    keys = crypto.ServiceKeys.generate()
    stores = [SqliteStore(db, vault=sibling_vault(db)) for _ in range(2)]
    for store in stores:
        await store.open()
    service = Service(
        store=stores[0], keys=keys, config=config, platform=WEB, receipt_limits=crypto.MIN
    )
    office = Service(
        store=stores[1], keys=keys, config=config, platform="console", receipt_limits=crypto.MIN
    )
    page_worker = DeliveryWorker(service.store, keys, RecordingTransport(), clock=service.clock)
    transport = RecordingTransport()
    worker = DeliveryWorker(office.store, keys, transport, clock=office.clock)
    sessions = Sessions(15 * 60)
    app = build_app(
        service, page_worker, settings=WebSettings(https_cookies=False), sessions=sessions
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(**RUNNER_OPTIONS)  # as the runner makes it: no access log
    client = TestClient(server)
    await client.start_server()
    try:
        yield Web(client, service, office, ChatFrontEnd(office), worker, transport, sessions)
    finally:
        await client.close()
        for store in stores:
            await store.close()
