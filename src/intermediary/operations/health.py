"""The health and metrics endpoint of a running service (opt-in: ``service.metrics_port``).

Three paths, on the configured host (loopback by default) and port:

- ``/livez``: 200 while the event loop runs (a process that hangs answers nothing);
- ``/readyz``: 200 when the store answers a trivial query and the front end says it is
  connected to its platform, else 503 with a JSON body naming the check that failed
  (``{"ready": false, "checks": {"store": "ok", "platform": "not connected"}}``): never
  an error's text, which could carry a database address;
- ``/metrics``: the service's numbers in Prometheus' text format
  (:mod:`intermediary.operations.metrics`).

Nothing is sent to it and nothing it answers names a case or a person, but it tells
anyone who can reach it how busy the service is and when: keep the port off the
public network (docs/OPERATIONS.md).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from intermediary.errors import OperatorError
from intermediary.operations.metrics import CONTENT_TYPE, Metrics
from intermediary.service.tally import Tally
from intermediary.store import Store

__all__ = ["PROBE_TIMEOUT", "Endpoint"]

log = logging.getLogger("intermediary.health")

#: how long a readiness check may take before it counts as failed (seconds)
PROBE_TIMEOUT = 2.0
#: the outbox key the store is asked for: a lookup by primary key, found or not
_PROBE_KEY = "readiness-probe"


class Endpoint:
    """The HTTP server of ``/livez``, ``/readyz`` and ``/metrics``."""

    def __init__(
        self, *, store: Store, tally: Tally, metrics: Metrics, host: str, port: int
    ) -> None:
        self.store = store
        self.tally = tally
        self.metrics = metrics
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/livez", self._livez)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        return app

    async def start(self) -> None:
        """Listen; :class:`OperatorError` (in the operator's words) when the port is taken."""
        # no access log: a scrape every few seconds would bury the service's own lines
        runner = web.AppRunner(
            self.app(), access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise OperatorError(
                "errors.metrics_port",
                host=self.host,
                port=self.port,
                problem=error.strerror or type(error).__name__,
            ) from None
        self._runner = runner
        log.info("health and metrics endpoint on %s port %d", self.host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def checks(self) -> dict[str, str]:
        """Each readiness check and how it went: "ok", or what failed."""
        try:
            await asyncio.wait_for(self.store.outbox_item(_PROBE_KEY), PROBE_TIMEOUT)
            store = "ok"
        except Exception:  # closed, unreachable, locked too long: not ready, whatever it is
            store = "unreachable"
        try:
            up = await asyncio.wait_for(self.tally.is_connected(), PROBE_TIMEOUT)
        except Exception:  # a probe that fails says as much as one that says no
            up = False
        return {"store": store, "platform": "ok" if up else "not connected"}

    async def _livez(self, request: web.Request) -> web.Response:
        return web.json_response({"live": True})

    async def _readyz(self, request: web.Request) -> web.Response:
        checks = await self.checks()
        ready = all(v == "ok" for v in checks.values())
        return web.json_response({"ready": ready, "checks": checks}, status=200 if ready else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        body = await self.metrics.render()
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE
        return response
