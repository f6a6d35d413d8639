"""The running service's numbers, in Prometheus' text format (``/metrics``).

Each running service has its own :class:`~prometheus_client.CollectorRegistry`, never
the library's global one, so that two services in one process (tests, embedders) do
not mix their numbers. What is counted inside the service is counted without
Prometheus (:class:`~intermediary.service.tally.Tally`); :class:`ServiceCollector`
reads those counters when the endpoint is scraped, and the outbox is measured then too
(:class:`OutboxGauge`).

Only counts and moments are exported: no case code, no address, no name, no text.
A label is a platform's name, a role, a step, a refusal's catalogue key or an outcome,
each a plain name (:func:`~intermediary.service.tally.label`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from intermediary import crypto
from intermediary.service.codec import Envelope
from intermediary.service.delivery import open_payload
from intermediary.service.tally import Tally, label
from intermediary.store import OutboxItem, Store

__all__ = ["CONTENT_TYPE", "Metrics", "OutboxGauge", "QueueFigures", "ServiceCollector"]

#: the content type of :meth:`Metrics.render`
CONTENT_TYPE = CONTENT_TYPE_LATEST
#: the platform label of an item that cannot be opened (its case key gone: purged)
UNKNOWN = "unknown"


@dataclass
class QueueFigures:
    """One platform's part of the outbox."""

    #: items waiting to be delivered (due, retrying, or waiting for their moment)
    queued: int = 0
    #: how long the longest-waiting due item has been due, in seconds (0: none)
    oldest_due: float = 0.0
    #: items set aside because they could not be delivered
    parked: int = 0
    #: how long the oldest parked item has been due, in seconds (0: none)
    oldest_parked: float = 0.0


class OutboxGauge:
    """The outbox per platform, measured when asked.

    An item's platform is sealed inside it (the rows do not say where a message goes),
    so each item is opened once, as the delivery worker opens it, and its platform
    remembered by its key for as long as it is queued.
    """

    def __init__(self, store: Store, keys: crypto.ServiceKeys) -> None:
        self.store = store
        self.keys = keys
        self._platforms: dict[str, str] = {}

    def _platform(self, item: OutboxItem) -> str:
        known = self._platforms.get(item.key)
        if known is not None:
            return known
        try:
            envelope = Envelope.model_validate_json(open_payload(self.keys, self.store.vault, item))
        except Exception:  # its case key gone (purged), or edited: counted, not named
            return UNKNOWN
        return label(envelope.platform)

    async def measure(self, now: datetime) -> dict[str, QueueFigures]:
        figures: dict[str, QueueFigures] = {}
        platforms: dict[str, str] = {}
        for item in await self.store.outbox_items():
            platform = platforms[item.key] = self._platform(item)
            these = figures.setdefault(platform, QueueFigures())
            # how long since it could first have gone (its release moment), retries or not
            waited = max(0.0, (now - item.not_before).total_seconds())
            if item.status == "parked":
                these.parked += 1
                these.oldest_parked = max(these.oldest_parked, waited)
                continue
            these.queued += 1
            if item.not_before <= now:
                these.oldest_due = max(these.oldest_due, waited)
        self._platforms = {k: v for k, v in platforms.items() if v != UNKNOWN}
        return figures


class ServiceCollector(Collector):
    """The service's own metrics, read from its :class:`Tally` and the last measure."""

    def __init__(self, tally: Tally, platform: str) -> None:
        self.tally = tally
        self.platform = label(platform)
        #: the outbox as last measured (:meth:`Metrics.render` measures it first)
        self.queue: dict[str, QueueFigures] | None = None
        #: whether the store answered the last measure
        self.store_up = True
        #: whether the front end was connected at the last measure (its live probe)
        self.connected = False

    def collect(self) -> Iterable[Metric]:
        tally = self.tally
        try:
            package = version("intermediary")
        except PackageNotFoundError:  # run from a source tree
            package = "unknown"
        info = InfoMetricFamily("intermediary", "The running service.")
        info.add_metric([], {"version": package, "platform": self.platform})
        yield info
        yield from self._queue()
        store = GaugeMetricFamily(
            "intermediary_store_up", "1 when the store answered the last scrape, else 0."
        )
        store.add_metric([], 1.0 if self.store_up else 0.0)
        yield store
        deliveries = CounterMetricFamily(
            "intermediary_deliveries",
            "Delivery attempts by platform and outcome (delivered, retry, parked).",
            labels=["platform", "outcome"],
        )
        for (platform, outcome), n in sorted(tally.deliveries.items()):
            deliveries.add_metric([platform, outcome], n)
        yield deliveries
        handled = CounterMetricFamily(
            "intermediary_commands",
            "Commands carried out, by the sender's role and the step.",
            labels=["role", "step"],
        )
        for (role, step), n in sorted(tally.handled.items()):
            handled.add_metric([role, step], n)
        yield handled
        refused = CounterMetricFamily(
            "intermediary_commands_refused",
            "Commands refused, by the sender's role and the refusal's catalogue key.",
            labels=["role", "reason"],
        )
        for (role, reason), n in sorted(tally.refused.items()):
            refused.add_metric([role, reason], n)
        yield refused
        yield CounterMetricFamily(
            "intermediary_reminders", "Deadline reminders queued.", value=tally.reminders
        )
        connected = GaugeMetricFamily(
            "intermediary_platform_connected",
            "1 while the front end is connected to its platform, else 0.",
            labels=["platform"],
        )
        connected.add_metric([self.platform], 1.0 if self.connected else 0.0)
        yield connected
        if tally.last_sync is not None:
            synced = GaugeMetricFamily(
                "intermediary_platform_last_sync_timestamp_seconds",
                "When the front end last heard from its platform (unix time).",
                labels=["platform"],
            )
            synced.add_metric([self.platform], tally.last_sync)
            yield synced

    def _queue(self) -> Iterable[Metric]:
        if self.queue is None:
            return
        names = {
            "queued": ("intermediary_outbox_queued", "Messages waiting to be delivered."),
            "oldest_due": (
                "intermediary_outbox_oldest_due_seconds",
                "How long the longest-waiting due message has been due.",
            ),
            "parked": (
                "intermediary_outbox_parked",
                "Messages set aside because they could not be delivered.",
            ),
            "oldest_parked": (
                "intermediary_outbox_oldest_parked_seconds",
                "How long the oldest parked message has been due.",
            ),
        }
        for attribute, (name, help_text) in names.items():
            family = GaugeMetricFamily(name, help_text, labels=["platform"])
            # the service's own platform is always shown, at 0 when nothing waits
            for platform in sorted({self.platform, *self.queue}):
                figures = self.queue.get(platform, QueueFigures())
                family.add_metric([platform], float(getattr(figures, attribute)))
            yield family


class Metrics:
    """One running service's registry: its own numbers, and the process's."""

    def __init__(
        self,
        *,
        store: Store,
        keys: crypto.ServiceKeys,
        tally: Tally,
        platform: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.clock = clock
        self.outbox = OutboxGauge(store, keys)
        self.service = ServiceCollector(tally, platform)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self.service)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)

    async def render(self) -> bytes:
        """The metrics in Prometheus' text format, the outbox measured now."""
        try:
            self.service.queue = await self.outbox.measure(self.clock())
            self.service.store_up = True
        except Exception:  # a store that does not answer is a number, not an error page
            self.service.queue, self.service.store_up = None, False
        try:
            self.service.connected = await self.service.tally.is_connected()
        except Exception:  # a probe that fails says as much as one that says no
            self.service.connected = False
        return generate_latest(self.registry)
