"""What turns tracing on: exporters by their OTEL_TRACES_EXPORTER names, and the service name."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gql.errors import ConfigError
from gql.observe.tracing import configure


def test_no_exporter_means_no_tracing() -> None:
    assert not configure(()).enabled


@pytest.mark.parametrize("name", ["console", "otlp", "otlp_proto_http"])
def test_installed_exporters_are_found_by_name(name: str) -> None:
    tracing = configure((name,))
    try:
        assert tracing.enabled
        resource = tracing.provider.resource
        assert resource.attributes["service.name"] == "devices-graphql"
    finally:
        tracing.shutdown()


def test_otel_service_name_names_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "devices-eu")
    tracing = configure(("console",))
    try:
        assert tracing.provider.resource.attributes["service.name"] == "devices-eu"
    finally:
        tracing.shutdown()


def test_an_unknown_exporter_is_a_config_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        configure(("zipkin-typo",))
    assert "OTEL_TRACES_EXPORTER: no exporter named 'zipkin-typo' is installed" in str(caught.value)
    assert "console" in str(caught.value)


WITHOUT_OTEL = """
import sys
sys.modules["opentelemetry"] = None  # as if the otel extra were not installed
from starlette.testclient import TestClient
from gql.web.app import create_app
from gql.config import Settings
from gql.observe.tracing import configure
assert not configure(("otlp",)).enabled
app = create_app(Settings(cursor_secrets=(b"s" * 16,), trace_exporters=("otlp",)))
with TestClient(app) as client:
    answer = client.post("/graphql", json={"query": "{ __typename }"})
    print(answer.status_code, answer.json())
"""


def test_without_the_extra_tracing_is_off_and_requests_are_served() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_OTEL], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "200 {'data': {'__typename': 'Query'}}"
    assert "OpenTelemetry is not installed: pip install 'devices-graphql[otel]'" in done.stderr
