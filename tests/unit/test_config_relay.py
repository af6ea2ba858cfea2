"""The Redis relay's settings (issue 17): GQL_REDIS_URL and GQL_REDIS_STREAM_MAXLEN."""

from __future__ import annotations

import pytest

from gql.config import Settings
from gql.errors import ConfigError


def test_without_a_url_there_is_no_relay_and_the_stream_keeps_about_100000() -> None:
    settings = Settings.from_env({})

    assert (settings.redis_url, settings.redis_stream_maxlen) == (None, 100_000)


@pytest.mark.parametrize(
    "url", ["redis://cache:6379/0", "rediss://user:secret@cache:6380/1", "unix:///run/redis.sock"]
)
def test_redis_tls_and_socket_urls_are_taken(url: str) -> None:
    settings = Settings.from_env({"GQL_REDIS_URL": url, "GQL_REDIS_STREAM_MAXLEN": "5000"})

    assert (settings.redis_url, settings.redis_stream_maxlen) == (url, 5000)


def test_another_scheme_is_refused_without_showing_the_value() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"GQL_REDIS_URL": "http://user:hunter2@cache:6379"})

    message = str(caught.value)
    assert message.startswith("GQL_REDIS_URL: must be a URL that starts with redis://")
    assert "hunter2" not in message


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("99", "GQL_REDIS_STREAM_MAXLEN: 99 is below the minimum of 100"),
        ("lots", "GQL_REDIS_STREAM_MAXLEN: 'lots' is not a whole number"),
    ],
)
def test_a_bad_stream_length_is_refused_naming_the_variable(raw: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"GQL_REDIS_STREAM_MAXLEN": raw})

    assert str(caught.value) == message
