"""Observability: Prometheus metrics, the request log and OpenTelemetry tracing."""
