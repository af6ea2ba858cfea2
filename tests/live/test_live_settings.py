"""The live-changes settings: read from the environment, validated, named in errors."""

from __future__ import annotations

import pytest

from gql.config import Settings
from gql.errors import ConfigError


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.subscription_buffer == 1000
    assert settings.max_subscriptions_per_connection == 100
    assert settings.max_sockets == 1000
    assert settings.ws_init_timeout == 10.0
    assert settings.ws_ping_seconds == 15.0
    assert settings.stream_poll_seconds == 0.5
    assert settings.stream_max_outage_seconds == 30.0


def test_values_are_read() -> None:
    settings = Settings.from_env(
        {
            "GQL_SUBSCRIPTION_BUFFER": "16",
            "GQL_MAX_SUBSCRIPTIONS_PER_CONNECTION": "3",
            "GQL_MAX_SOCKETS": "50",
            "GQL_WS_INIT_TIMEOUT": "2.5",
            "GQL_WS_PING_SECONDS": "30",
            "GQL_STREAM_POLL_SECONDS": "0.25",
            "GQL_STREAM_MAX_OUTAGE_SECONDS": "120",
        }
    )
    assert (settings.subscription_buffer, settings.max_subscriptions_per_connection) == (16, 3)
    assert settings.max_sockets == 50
    assert (settings.ws_init_timeout, settings.ws_ping_seconds) == (2.5, 30.0)
    assert (settings.stream_poll_seconds, settings.stream_max_outage_seconds) == (0.25, 120.0)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("GQL_SUBSCRIPTION_BUFFER", "0", "GQL_SUBSCRIPTION_BUFFER: 0 is below the minimum of 1"),
        ("GQL_MAX_SOCKETS", "many", "GQL_MAX_SOCKETS: 'many' is not a whole number"),
        (
            "GQL_MAX_SUBSCRIPTIONS_PER_CONNECTION",
            "-1",
            "GQL_MAX_SUBSCRIPTIONS_PER_CONNECTION: -1 is below the minimum of 1",
        ),
        ("GQL_WS_INIT_TIMEOUT", "0", "GQL_WS_INIT_TIMEOUT: 0 must be between 0 and 3600 seconds"),
        ("GQL_STREAM_POLL_SECONDS", "soon", "GQL_STREAM_POLL_SECONDS: 'soon' is not a number"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(name: str, raw: str, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({name: raw})
    assert message in str(refused.value)


def test_websocket_limits_default_and_are_read() -> None:
    defaults = Settings.from_env({})
    assert defaults.pending_sockets == 100  # a tenth of GQL_MAX_SOCKETS
    assert (defaults.ws_send_buffer_bytes, defaults.ws_send_timeout) == (256 * 1024, 10.0)
    settings = Settings.from_env(
        {
            "GQL_MAX_SOCKETS": "50",
            "GQL_MAX_PENDING_SOCKETS": "80",
            "GQL_WS_SEND_BUFFER_BYTES": "65536",
            "GQL_WS_SEND_TIMEOUT": "2.5",
        }
    )
    assert settings.pending_sockets == 50  # never more than GQL_MAX_SOCKETS
    assert (settings.ws_send_buffer_bytes, settings.ws_send_timeout) == (65536, 2.5)
    assert Settings.from_env({"GQL_MAX_SOCKETS": "5"}).pending_sockets == 1


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("GQL_MAX_PENDING_SOCKETS", "0", "GQL_MAX_PENDING_SOCKETS: 0 is below the minimum of 1"),
        ("GQL_WS_SEND_BUFFER_BYTES", "100", "GQL_WS_SEND_BUFFER_BYTES: 100 is below the minimum"),
        ("GQL_WS_SEND_TIMEOUT", "never", "GQL_WS_SEND_TIMEOUT: 'never' is not a number"),
    ],
)
def test_bad_websocket_limits_are_refused_naming_the_variable(
    name: str, raw: str, message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({name: raw})
    assert message in str(refused.value)
