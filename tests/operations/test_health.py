"""The health and metrics endpoint of a running service, scraped over loopback.

The real service (SQLite store, the console front end's conversation, the delivery
worker, the housekeeping round) with ``service.metrics_port`` set; each test reads
``/livez``, ``/readyz`` and ``/metrics`` with an HTTP client, as a monitoring system would.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.config import ServiceConfig
from intermediary.crypto.vault import DirectoryVault
from intermediary.errors import PermanentDeliveryError, TransientDeliveryError
from intermediary.runtime import Runtime, demo_config, start
from intermediary.service.codec import Sender
from intermediary.store import SqliteStore, Store, open_store
from tests.harness import PLANTED, PLANTED_TEXT, Clock, RecordingTransport, profile_of
from tests.matrix.synapse import free_port


@dataclass
class Served:
    runtime: Runtime
    front: ChatFrontEnd
    transport: RecordingTransport
    clock: Clock
    url: str

    async def say(self, name: str, text: str) -> list[str]:
        answer = await self.front.handle(
            Sender(platform="console", address=name), text, profile=profile_of(name)
        )
        await self.runtime.worker.run_once()
        return answer

    async def case_of(self, name: str) -> str:
        cases = await self.runtime.service.cases_of(Sender(platform="console", address=name))
        return cases[-1].case_id

    async def get(self, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, session.get(self.url + path) as answer:
            return answer.status, await answer.text()

    async def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Every sample of ``/metrics``, by name and labels."""
        status, text = await self.get("/metrics")
        assert status == 200, text
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }


def store_in(folder: Path) -> SqliteStore:
    """A SQLite store with its vault in a folder of its own, as an installation has it."""
    (folder / "data").mkdir(parents=True)
    return SqliteStore(folder / "data" / "case.db", vault=DirectoryVault(folder / "vault"))


def config_with(port: int) -> ServiceConfig:
    raw = demo_config(crypto.CounsellorKey.generate().public).model_dump()
    raw["service"] |= {"metrics_port": port, "metrics_host": "127.0.0.1"}
    return ServiceConfig.model_validate(raw)


@pytest.fixture(params=["sqlite", "postgres"])
async def served(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Served]:
    """The service on SQLite, and on a real PostgreSQL, with its endpoint on loopback."""
    port, clock, transport = free_port(), Clock(), RecordingTransport()
    store: Store = store_in(tmp_path)
    server, url = None, ""
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        url = await server.database()
        store = open_store(url, vault=DirectoryVault(tmp_path / "vault"))
    runtime = await start(
        config_with(port),
        crypto.ServiceKeys.generate(),
        transport,
        platform="console",
        store=store,
        clock=clock,
        receipt_limits=crypto.MIN,
    )
    try:
        assert await runtime.serve() is not None
        runtime.tally.heard()  # as the console front end says at its start
        yield Served(
            runtime, ChatFrontEnd(runtime.service), transport, clock, f"http://127.0.0.1:{port}"
        )
    finally:
        await runtime.close()
        if server is not None:
            await server.drop(url)


def sample(
    metrics: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_live_and_ready_then_not_ready_when_the_store_is_gone(served: Served) -> None:
    assert (await served.get("/livez"))[0] == 200
    status, body = await served.get("/readyz")
    assert (status, body) == (200, '{"ready": true, "checks": {"store": "ok", "platform": "ok"}}')
    await served.runtime.store.close()  # the database went away under the running service
    status, body = await served.get("/readyz")
    assert status == 503
    assert '"store": "unreachable"' in body
    assert '"platform": "ok"' in body
    assert (await served.get("/livez"))[0] == 200  # alive: restarting it would not help
    metrics = await served.metrics()
    assert sample(metrics, "intermediary_store_up") == 0.0


async def test_not_ready_while_the_platform_is_not_connected(served: Served) -> None:
    served.runtime.tally.lost()  # as the Matrix bot says after a failed sync
    status, body = await served.get("/readyz")
    assert status == 503
    assert '"platform": "not connected"' in body
    assert (
        sample(await served.metrics(), "intermediary_platform_connected", platform="console") == 0
    )
    served.runtime.tally.heard()
    assert (await served.get("/readyz"))[0] == 200
    assert (
        sample(await served.metrics(), "intermediary_platform_connected", platform="console") == 1
    )


async def test_queue_depth_age_and_failures_follow_a_message_that_cannot_go(
    served: Served,
) -> None:
    await served.say("saskia", "!new mode=consult disclosure=anonymous category=bullying")
    await served.say("saskia", "Hello.")
    metrics = await served.metrics()
    assert sample(metrics, "intermediary_outbox_queued", platform="console") == 0
    delivered = sample(
        metrics, "intermediary_deliveries_total", platform="console", outcome="delivered"
    )
    assert delivered >= 1
    # the platform is down: the reporter's next message waits, and ages
    served.transport.failures.append(TransientDeliveryError(detail="503"))
    await served.say("saskia", f"About {PLANTED_TEXT}.")
    served.clock.advance(minutes=10)
    metrics = await served.metrics()
    assert sample(metrics, "intermediary_outbox_queued", platform="console") == 1
    assert sample(metrics, "intermediary_outbox_oldest_due_seconds", platform="console") >= 600
    assert sample(metrics, "intermediary_outbox_parked", platform="console") == 0
    assert (
        sample(metrics, "intermediary_deliveries_total", platform="console", outcome="retry") == 1
    )
    # then the platform refuses it, again: its third attempt parks it (PARK_AFTER_REFUSALS)
    for _ in range(2):
        served.transport.failures.append(PermanentDeliveryError(detail="channel_not_found"))
        served.clock.advance(minutes=20)
        await served.runtime.worker.run_once()
    metrics = await served.metrics()
    assert sample(metrics, "intermediary_outbox_queued", platform="console") == 0
    assert sample(metrics, "intermediary_outbox_oldest_due_seconds", platform="console") == 0
    assert sample(metrics, "intermediary_outbox_parked", platform="console") == 1
    assert sample(metrics, "intermediary_outbox_oldest_parked_seconds", platform="console") >= 3000
    assert (
        sample(metrics, "intermediary_deliveries_total", platform="console", outcome="parked") == 1
    )
    assert (
        sample(metrics, "intermediary_deliveries_total", platform="console", outcome="retry") == 2
    )


async def test_commands_are_counted_by_role_and_step_and_refusals_by_key(
    served: Served,
) -> None:
    await served.say("saskia", "!new mode=consult disclosure=anonymous category=bullying")
    await served.say("saskia", "Hello.")
    case = await served.case_of("saskia")
    await served.say("counsellor", f"!reply {case} Thank you.")
    await served.say("management", f"!ack {case}")  # not told of it: an unknown case
    metrics = await served.metrics()
    assert sample(metrics, "intermediary_commands_total", role="reporter", step="open_case") == 1
    assert sample(metrics, "intermediary_commands_total", role="counsellor", step="reply") == 1
    assert (
        sample(
            metrics,
            "intermediary_commands_refused_total",
            role="management",
            reason="errors.unknown_case",
        )
        == 1
    )
    assert (
        sample(metrics, "intermediary_commands_total", role="management", step="acknowledge") == 0
    )


async def test_the_metrics_name_no_case_and_no_person(served: Served) -> None:
    await served.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await served.say("saskia", f"My lead shouts; {PLANTED_TEXT}.")
    case = await served.case_of("saskia")
    await served.say("counsellor", f"!draft {case} An employee reports shouting by a lead.")
    await served.say("management", f"!ack {case}")
    served.transport.failures.append(PermanentDeliveryError(detail=f"no such user {case}"))
    await served.say("counsellor", f"!reply {case} Noted.")
    _, text = await served.get("/metrics")
    short = case.split("-")[-1]
    for secret in (case, short, *PLANTED, PLANTED_TEXT, "saskia", "Saskia", "counsellor "):
        assert secret not in text, secret
    # every label value is a plain name, never something a person typed
    for value in re.findall(r'="([^"]*)"', text):
        assert re.fullmatch(r"[A-Za-z0-9_.\- ]*", value), value


async def test_a_reminder_sent_by_the_housekeeping_round_is_counted(served: Served) -> None:
    await served.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await served.say("saskia", "My lead shouts.")
    case = await served.case_of("saskia")
    await served.say("counsellor", f"!draft {case} An employee reports shouting by a lead.")
    cases = await served.runtime.service.cases_of(Sender(platform="console", address="saskia"))
    await served.say("saskia", f"!approve {max(p.number for p in cases[-1].pending)}")
    assert sample(await served.metrics(), "intermediary_reminders_total") == 0
    served.clock.advance(days=6)  # past the acknowledgement reminder's day
    result = await served.runtime.housekeeping(force=True)
    assert result is not None
    assert result.reminders >= 1
    assert sample(await served.metrics(), "intermediary_reminders_total") == result.reminders


async def test_port_zero_opens_no_endpoint(tmp_path: Path) -> None:
    runtime = await start(
        config_with(0),
        crypto.ServiceKeys.generate(),
        RecordingTransport(),
        platform="console",
        store=store_in(tmp_path),
        receipt_limits=crypto.MIN,
    )
    try:
        assert await runtime.serve() is None
        assert runtime.endpoint is None
    finally:
        await runtime.close()


async def test_a_taken_port_is_refused_in_the_operators_words(
    served: Served, tmp_path: Path
) -> None:
    from intermediary.errors import OperatorError

    port = served.runtime.config.service.metrics_port
    second = await start(
        config_with(port),
        crypto.ServiceKeys.generate(),
        RecordingTransport(),
        platform="console",
        store=store_in(tmp_path / "second"),
        receipt_limits=crypto.MIN,
    )
    try:
        with pytest.raises(OperatorError) as raised:
            await second.serve()
        assert f"port {port}" in raised.value.message()
        assert "metrics_port" in raised.value.message("nl")
    finally:
        await second.close()
    assert (await served.get("/livez"))[0] == 200  # the first one goes on
