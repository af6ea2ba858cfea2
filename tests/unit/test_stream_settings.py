"""The DynamoDB Streams endpoint setting."""

from __future__ import annotations

import pytest

from gql.config import Settings
from gql.errors import ConfigError


def test_the_streams_endpoint_defaults_to_the_dynamodb_endpoint() -> None:
    settings = Settings.from_env({"AWS_ENDPOINT_URL_DYNAMODB": "http://localhost:8000"})

    assert settings.streams_endpoint_url == "http://localhost:8000"


def test_the_streams_endpoint_follows_the_general_aws_endpoint() -> None:
    settings = Settings.from_env({"AWS_ENDPOINT_URL": "http://localhost:4566"})

    assert settings.streams_endpoint_url == "http://localhost:4566"


def test_the_streams_endpoint_can_be_set_on_its_own() -> None:
    env = {
        "AWS_ENDPOINT_URL_DYNAMODB": "http://ddb:8000",
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": "http://streams:8001",
    }

    assert Settings.from_env(env).streams_endpoint_url == "http://streams:8001"


def test_without_any_endpoint_the_streams_endpoint_is_aws_own() -> None:
    assert Settings.from_env({}).streams_endpoint_url is None


def test_a_streams_endpoint_that_is_not_a_url_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="AWS_ENDPOINT_URL_DYNAMODB_STREAMS"):
        Settings.from_env({"AWS_ENDPOINT_URL_DYNAMODB_STREAMS": "localhost:8000"})
