"""The production settings: metrics, logs, tracing (from the standard OTEL_* names), shutdown."""

from __future__ import annotations

import pytest

from gql.config import Settings
from gql.errors import ConfigError


def refusal(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    return str(caught.value)


def test_defaults_serve_metrics_log_text_trace_nothing_and_drain_for_10_s() -> None:
    settings = Settings.from_env({})
    assert (settings.metrics, settings.metrics_multiprocess_dir) == (True, None)
    assert (settings.log_format, settings.request_log) == ("text", True)
    assert settings.trace_exporters == ()
    assert (settings.shutdown_seconds, settings.shutdown_delay_seconds) == (10.0, 0.0)


def test_the_production_names_are_read() -> None:
    settings = Settings.from_env(
        {
            "GQL_METRICS": "false",
            "PROMETHEUS_MULTIPROC_DIR": "/run/gql-metrics",
            "GQL_LOG_FORMAT": "JSON",
            "GQL_REQUEST_LOG": "off",
            "GQL_SHUTDOWN_SECONDS": "25",
            "GQL_SHUTDOWN_DELAY_SECONDS": "5",
        }
    )
    assert (settings.metrics, settings.metrics_multiprocess_dir) == (False, "/run/gql-metrics")
    assert (settings.log_format, settings.request_log) == ("json", False)
    assert (settings.shutdown_seconds, settings.shutdown_delay_seconds) == (25.0, 5.0)


@pytest.mark.parametrize(
    ("env", "exporters"),
    [
        ({"OTEL_TRACES_EXPORTER": "otlp"}, ("otlp",)),
        ({"OTEL_TRACES_EXPORTER": "console, otlp"}, ("console", "otlp")),
        ({"OTEL_TRACES_EXPORTER": "none"}, ()),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, ("otlp",)),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, ("otlp",)),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, ()),
        ({"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "true"}, ()),
        ({"OTEL_SERVICE_NAME": "devices"}, ()),
    ],
)
def test_tracing_is_on_when_the_otel_environment_asks_for_an_exporter(
    env: dict[str, str], exporters: tuple[str, ...]
) -> None:
    assert Settings.from_env(env).trace_exporters == exporters


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GQL_METRICS": "maybe"}, "GQL_METRICS: 'maybe' is not a boolean"),
        ({"GQL_LOG_FORMAT": "xml"}, "GQL_LOG_FORMAT: 'xml' is not one of text, json"),
        ({"GQL_SHUTDOWN_SECONDS": "0"}, "GQL_SHUTDOWN_SECONDS: 0 must be between 0 and 3600"),
        ({"GQL_SHUTDOWN_SECONDS": "soon"}, "GQL_SHUTDOWN_SECONDS: 'soon' is not a number"),
        (
            {"GQL_SHUTDOWN_SECONDS": "5", "GQL_SHUTDOWN_DELAY_SECONDS": "5"},
            "GQL_SHUTDOWN_DELAY_SECONDS: 5 must be below GQL_SHUTDOWN_SECONDS (5)",
        ),
        ({"OTEL_SDK_DISABLED": "nah"}, "OTEL_SDK_DISABLED: 'nah' is not a boolean"),
    ],
)
def test_malformed_values_are_refused_naming_the_variable(
    env: dict[str, str], message: str
) -> None:
    assert message in refusal(env)
