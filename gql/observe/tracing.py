"""OpenTelemetry spans: the request, its GraphQL operation, and each DynamoDB call.

Optional: the SDK comes with the `otel` extra (`pip install devices-graphql[otel]`). Tracing
is on when the standard environment asks for an exporter (OTEL_TRACES_EXPORTER, or an OTLP
endpoint) and OTEL_SDK_DISABLED is not true; see Settings.trace_exporters. The SDK reads the
rest of the OTEL_* variables itself (endpoint, headers, service name, sampler, propagators).
Without the extra, or with tracing off, every function here does nothing.

Spans carry names, codes and figures only: never a variable's value, a key or the document.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from gql.errors import ConfigError

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

    from gql.store import CallRecord

log = logging.getLogger("gql.tracing")
SERVICE_NAME = "devices-graphql"
# The OTLP exporter the extra installs; "otlp" names it as the SDK's own configuration does.
_ALIASES = {"otlp": "otlp_proto_http"}


class Tracing:
    """Makes the spans of each request; `Tracing(None)` makes none."""

    def __init__(self, provider: Any = None) -> None:
        self.provider = provider
        self._tracer: Tracer | None = provider.get_tracer("gql") if provider is not None else None

    @property
    def enabled(self) -> bool:
        return self._tracer is not None

    def start_request(
        self, method: str, path: str, headers: Mapping[str, str]
    ) -> RequestTrace | None:
        if self._tracer is None:
            return None
        from opentelemetry import propagate
        from opentelemetry.trace import SpanKind

        # A caller's traceparent (W3C, or what OTEL_PROPAGATORS names) makes this a child.
        parent = propagate.extract(headers)
        span = self._tracer.start_span(
            f"{method} {path}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path},
        )
        return RequestTrace(self._tracer, span)

    def shutdown(self) -> None:
        """Export what is still buffered."""
        if self.provider is not None:
            self.provider.shutdown()


class RequestTrace:
    """The spans of one request: DynamoDB calls hang under the operation, else the request."""

    def __init__(self, tracer: Tracer, request: Span) -> None:
        self.tracer = tracer
        self.request = request
        self.operation: Span | None = None

    def start_operation(self) -> None:
        from opentelemetry import trace

        self.operation = self.tracer.start_span(
            "graphql.operation", context=trace.set_span_in_context(self.request)
        )

    def end_operation(self, operation_type: str, name: str | None) -> None:
        if self.operation is None:
            return
        self.operation.set_attribute("graphql.operation.type", operation_type)
        if name:
            self.operation.set_attribute("graphql.operation.name", name)
            self.operation.update_name(f"{operation_type} {name}")
        else:
            self.operation.update_name(operation_type)
        self.operation.end()

    def dynamodb(self, call: CallRecord) -> None:
        from opentelemetry import trace
        from opentelemetry.trace import SpanKind, Status, StatusCode

        parent = self.operation if self.operation is not None else self.request
        # Made once the call is over (the store knows nothing of tracing), with its real times.
        span = self.tracer.start_span(
            f"DynamoDB.{call.operation}",
            context=trace.set_span_in_context(parent),
            kind=SpanKind.CLIENT,
            start_time=call.started_ns,
            attributes={
                "db.system": "dynamodb",
                "db.operation": call.operation,
                "aws.dynamodb.table_names": [call.table],
                "gql.dynamodb.outcome": call.outcome,
                "gql.dynamodb.retries": call.retries,
                "gql.dynamodb.consumed_capacity": call.consumed,
            },
        )
        if call.outcome == "error":
            span.set_status(Status(StatusCode.ERROR, call.error))
        span.end(end_time=call.started_ns + int(call.seconds * 1e9))

    def end(self, status: int, outcome: str, codes: list[str]) -> None:
        from opentelemetry.trace import Status, StatusCode

        self.request.set_attribute("http.response.status_code", status)
        self.request.set_attribute("gql.outcome", outcome)
        if codes:
            self.request.set_attribute("gql.error_codes", sorted(set(codes)))
        if status >= 500:
            self.request.set_status(Status(StatusCode.ERROR))
        self.request.end()


def configure(exporters: tuple[str, ...]) -> Tracing:
    """A Tracing that exports through `exporters` (names as in OTEL_TRACES_EXPORTER)."""
    if not exporters:
        return Tracing(None)
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            "OTEL_TRACES_EXPORTER asks for traces, but OpenTelemetry is not installed: "
            "pip install 'devices-graphql[otel]'; tracing is off"
        )
        return Tracing(None)
    resource = Resource.create()  # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, if set
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    for name in exporters:
        provider.add_span_processor(BatchSpanProcessor(_exporter(name)))
    return Tracing(provider)


def _exporter(name: str) -> Any:
    found = entry_points(group="opentelemetry_traces_exporter", name=name) or entry_points(
        group="opentelemetry_traces_exporter", name=_ALIASES.get(name, name)
    )
    if not found:
        known = sorted(e.name for e in entry_points(group="opentelemetry_traces_exporter"))
        raise ConfigError(
            f"OTEL_TRACES_EXPORTER: no exporter named {name!r} is installed "
            f"(installed: {', '.join(known) or 'none'})"
        )
    return next(iter(found)).load()()
