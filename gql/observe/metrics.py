"""The Prometheus registry of one app, and the few functions that record into it.

Every family is labelled with names only (operation types, DynamoDB operations, error
codes): never a device id, a variable or a document, so the number of series stays small.

With several worker processes, each process records into files in PROMETHEUS_MULTIPROC_DIR
(prometheus-client's multiprocess mode, switched on by that variable) and a scrape of any
worker reads them all: see `render`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

# Seconds: a GetItem on AWS takes a few milliseconds; the request timeout is 2.5 s.
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
DYNAMODB_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
OPERATION_TYPES = ("query", "mutation", "subscription", "unknown")
# Seconds from a change's append to the relay to its hand-over to this replica's subscribers.
RELAY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class DynamoDBCall(Protocol):
    """What `record_dynamodb` reads of a call (gql.store.client.CallRecord has it all)."""

    @property
    def operation(self) -> str: ...
    @property
    def seconds(self) -> float: ...
    @property
    def outcome(self) -> str: ...
    @property
    def retries(self) -> int: ...
    @property
    def throttles(self) -> int: ...
    @property
    def consumed(self) -> float: ...


class Metrics:
    def __init__(self, *, multiprocess_dir: str | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess_dir = multiprocess_dir
        r = self.registry
        self.requests = Counter(
            "gql_requests_total",
            "GraphQL requests answered, by operation type and outcome",
            ["operation_type", "outcome"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "gql_request_duration_seconds",
            "Time to answer a GraphQL request, from its first byte to its last",
            ["operation_type", "outcome"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.errors = Counter(
            "gql_errors_total", "Errors answered, by extensions.code", ["code"], registry=r
        )
        self.cursor_refusals = Counter(
            "gql_cursor_refusals_total",
            "Requests refused for an altered, expired or foreign cursor (BAD_CURSOR)",
            registry=r,
        )
        self.body_refusals = Counter(
            "gql_body_refusals_total",
            "Requests refused because the body was larger than GQL_MAX_BODY_BYTES (413)",
            registry=r,
        )
        self.dynamodb_requests = Counter(
            "gql_dynamodb_requests_total",
            "DynamoDB calls, by operation and outcome (ok, condition_failed, throttled, error)",
            ["operation", "outcome"],
            registry=r,
        )
        self.dynamodb_seconds = Histogram(
            "gql_dynamodb_request_duration_seconds",
            "Time of one DynamoDB call, botocore's retries and their backoff included",
            ["operation"],
            buckets=DYNAMODB_BUCKETS,
            registry=r,
        )
        self.dynamodb_retries = Counter(
            "gql_dynamodb_retries_total",
            "Attempts botocore made again after a failed one",
            ["operation"],
            registry=r,
        )
        self.dynamodb_throttles = Counter(
            "gql_dynamodb_throttles_total",
            "Attempts DynamoDB answered with a throttling error (retried or not)",
            ["operation"],
            registry=r,
        )
        self.consumed = Counter(
            "gql_dynamodb_consumed_capacity_total",
            "Capacity units DynamoDB reported consuming (ReturnConsumedCapacity=TOTAL)",
            ["operation"],
            registry=r,
        )
        # livesum: with several workers, the sum over the processes that are alive.
        self.subscriptions = Gauge(
            "gql_subscriptions_active",
            "Subscriptions open now",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.relayed = Counter(
            "gql_changes_relayed_total",
            "Changes this replica read from the Redis relay (GQL_REDIS_URL)",
            registry=r,
        )
        self.relay_lag = Histogram(
            "gql_relay_lag_seconds",
            "Seconds from a change's append to the Redis stream to its read by this replica",
            buckets=RELAY_BUCKETS,
            registry=r,
        )
        self.live_delivered = Counter(
            "gql_live_changes_delivered_total",
            "Changes handed to this replica's subscriptions (one per subscription it matched)",
            registry=r,
        )
        self.live_dropped = Counter(
            "gql_live_changes_dropped_total",
            "Changes dropped from subscriptions ended with SLOW_CONSUMER (their buffers)",
            registry=r,
        )
        self._live_counted = (0, 0)
        # The common label sets, resolved once: labels() takes a lock and a dict look-up.
        self._requests = {
            (kind, outcome): (
                self.requests.labels(kind, outcome),
                self.request_seconds.labels(kind, outcome),
            )
            for kind in OPERATION_TYPES
            for outcome in ("ok", "error")
        }
        self._dynamodb: dict[tuple[str, str], _DynamoDBSeries] = {}

    def record_request(
        self, operation_type: str, outcome: str, seconds: float, codes: Iterable[str] = ()
    ) -> None:
        pair = self._requests.get((operation_type, outcome))
        if pair is None:  # not reached from the app: it names only the types above
            pair = (
                self.requests.labels(operation_type, outcome),
                self.request_seconds.labels(operation_type, outcome),
            )
        pair[0].inc()
        pair[1].observe(seconds)
        for code in codes:
            self.errors.labels(code).inc()
            if code == "BAD_CURSOR":
                self.cursor_refusals.inc()

    def record_body_refusal(self) -> None:
        self.body_refusals.inc()

    def record_dynamodb(self, call: DynamoDBCall) -> None:
        series = self._dynamodb.get((call.operation, call.outcome))
        if series is None:
            series = self._dynamodb[(call.operation, call.outcome)] = _DynamoDBSeries(
                self, call.operation, call.outcome
            )
        series.requests.inc()
        series.seconds.observe(call.seconds)
        if call.retries:
            series.retries.inc(call.retries)
        if call.throttles:
            series.throttles.inc(call.throttles)
        if call.consumed:
            series.consumed.inc(call.consumed)

    def subscription_started(self) -> None:
        self.subscriptions.inc()

    def subscription_ended(self) -> None:
        self.subscriptions.dec()

    def count_subscriptions(self, count: Callable[[], float]) -> None:
        """Read the gauge from `count` (e.g. the hub's number of subscribers) at each scrape.

        Not in multiprocess mode, where a scrape cannot call into the other processes:
        there, the hub calls subscription_started/subscription_ended.
        """
        self.subscriptions.set_function(count)

    def record_relayed(self, lags: list[float]) -> None:
        """Changes read from the relay, with the lag of each."""
        self.relayed.inc(len(lags))
        for lag in lags:
            self.relay_lag.observe(lag)

    def record_live(self, delivered: int, dropped: int) -> None:
        """The running totals of the hub's tally: what grew since the last call is counted."""
        before = self._live_counted
        if delivered > before[0]:
            self.live_delivered.inc(delivered - before[0])
        if dropped > before[1]:
            self.live_dropped.inc(dropped - before[1])
        self._live_counted = (max(delivered, before[0]), max(dropped, before[1]))

    def close(self) -> None:
        """In multiprocess mode, drop this process's live gauges (it is about to exit)."""
        if self.multiprocess_dir is not None:
            multiprocess.mark_process_dead(os.getpid(), self.multiprocess_dir)  # type: ignore[no-untyped-call]

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        # Every process's files, the one answering included; a fresh registry per scrape,
        # as prometheus-client's documentation prescribes.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST


class _DynamoDBSeries:
    """The children of one (operation, outcome), resolved on first use and kept."""

    def __init__(self, metrics: Metrics, operation: str, outcome: str) -> None:
        self.requests = metrics.dynamodb_requests.labels(operation, outcome)
        self.seconds = metrics.dynamodb_seconds.labels(operation)
        self.retries = metrics.dynamodb_retries.labels(operation)
        self.throttles = metrics.dynamodb_throttles.labels(operation)
        self.consumed = metrics.consumed.labels(operation)
