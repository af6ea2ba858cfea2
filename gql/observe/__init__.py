"""Observability: what the server tells its operators. Recorded at the HTTP edge.

metrics.py     the Prometheus registry and the few functions that record into it
requestlog.py  one log line per request (text or JSON), with its record as a contextvar
tracing.py     OpenTelemetry spans, configured by the standard OTEL_* environment
telemetry.py   the middleware and store observer that feed the three above
"""

from gql.observe.metrics import Metrics
from gql.observe.requestlog import RequestRecord, current, operation_name
from gql.observe.telemetry import TelemetryMiddleware, store_observer
from gql.observe.tracing import Tracing, configure

__all__ = [
    "Metrics",
    "RequestRecord",
    "TelemetryMiddleware",
    "Tracing",
    "configure",
    "current",
    "operation_name",
    "store_observer",
]
