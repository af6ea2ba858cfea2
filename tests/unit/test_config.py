"""Settings from an explicit environment: defaults, AWS names, and the project's own."""

from __future__ import annotations

import pytest

from gql.config import Settings
from gql.errors import ConfigError

SECRET = "0123456789abcdef"  # 16 characters, the shortest allowed


def refusal(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    return str(caught.value)


def test_empty_environment_gives_the_defaults() -> None:
    assert Settings.from_env({}) == Settings()


def test_defaults_serve_the_tutorial_table_from_the_embedded_backend() -> None:
    settings = Settings.from_env({})

    assert (settings.table, settings.backend, settings.endpoint_url, settings.region) == (
        "Devices",
        "embedded",
        None,
        "us-east-1",
    )


def test_defaults_have_no_secrets_and_no_api_keys() -> None:
    settings = Settings.from_env({})

    assert (settings.cursor_secrets, settings.api_keys) == ((), frozenset())


def test_dynamodb_endpoint_switches_the_backend_to_aws() -> None:
    settings = Settings.from_env({"AWS_ENDPOINT_URL_DYNAMODB": "http://localhost:8000"})

    assert (settings.backend, settings.endpoint_url) == ("aws", "http://localhost:8000")


def test_general_aws_endpoint_also_switches_the_backend_to_aws() -> None:
    settings = Settings.from_env({"AWS_ENDPOINT_URL": "http://localhost:4566"})

    assert (settings.backend, settings.endpoint_url) == ("aws", "http://localhost:4566")


def test_dynamodb_endpoint_wins_over_the_general_one() -> None:
    env = {"AWS_ENDPOINT_URL": "http://general:1", "AWS_ENDPOINT_URL_DYNAMODB": "http://ddb:2"}

    assert Settings.from_env(env).endpoint_url == "http://ddb:2"


def test_explicit_backend_wins_over_the_endpoint() -> None:
    env = {"AWS_ENDPOINT_URL_DYNAMODB": "http://localhost:8000", "GQL_BACKEND": "embedded"}

    assert Settings.from_env(env).backend == "embedded"


def test_backend_aws_needs_no_endpoint() -> None:
    assert Settings.from_env({"GQL_BACKEND": "aws"}).backend == "aws"


def test_backend_is_read_case_insensitively() -> None:
    assert Settings.from_env({"GQL_BACKEND": " AWS "}).backend == "aws"


def test_unknown_backend_is_refused_naming_the_variable() -> None:
    assert refusal({"GQL_BACKEND": "local"}) == ("GQL_BACKEND: 'local' is not one of embedded, aws")


def test_table_name_comes_from_gql_table() -> None:
    assert Settings.from_env({"GQL_TABLE": "Readings"}).table == "Readings"


def test_blank_values_count_as_unset() -> None:
    env = {"GQL_TABLE": "  ", "AWS_ENDPOINT_URL_DYNAMODB": "", "GQL_READ_BUDGET": " "}

    assert Settings.from_env(env) == Settings()


def test_aws_region_wins_over_the_default_region() -> None:
    env = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}

    assert Settings.from_env(env).region == "eu-west-1"


def test_default_region_is_used_without_aws_region() -> None:
    assert Settings.from_env({"AWS_DEFAULT_REGION": "us-west-2"}).region == "us-west-2"


def test_profile_comes_from_aws_profile() -> None:
    assert Settings.from_env({"AWS_PROFILE": "dev"}).profile == "dev"


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("GQL_READ_BUDGET", "lots", "GQL_READ_BUDGET: 'lots' is not a whole number"),
        ("GQL_READ_BUDGET", "1.5", "GQL_READ_BUDGET: '1.5' is not a whole number"),
        ("GQL_READ_BUDGET", "0", "GQL_READ_BUDGET: 0 is below the minimum of 1"),
        ("GQL_MAX_ATTEMPTS", "-3", "GQL_MAX_ATTEMPTS: -3 is below the minimum of 1"),
        ("GQL_CURSOR_TTL_SECONDS", "1h", "GQL_CURSOR_TTL_SECONDS: '1h' is not a whole number"),
    ],
)
def test_bad_integers_are_refused_naming_the_variable(name: str, raw: str, message: str) -> None:
    assert refusal({name: raw}) == message


def test_integers_are_read() -> None:
    settings = Settings.from_env({"GQL_READ_BUDGET": "250", "GQL_CURSOR_TTL_SECONDS": "60"})

    assert (settings.read_budget, settings.cursor_ttl_seconds) == (250, 60)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("soon", "GQL_READ_TIMEOUT: 'soon' is not a number of seconds"),
        ("0", "GQL_READ_TIMEOUT: 0 must be between 0 and 3600 seconds"),
        ("3600", "GQL_READ_TIMEOUT: 3600 must be between 0 and 3600 seconds"),
        ("nan", "GQL_READ_TIMEOUT: nan must be between 0 and 3600 seconds"),
    ],
)
def test_bad_timeouts_are_refused(raw: str, message: str) -> None:
    assert refusal({"GQL_READ_TIMEOUT": raw}) == message


def test_timeouts_are_read_as_seconds() -> None:
    assert Settings.from_env({"GQL_CONNECT_TIMEOUT": "0.25"}).connect_timeout == 0.25


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("YES", True), ("0", False)])
def test_flags_are_read(raw: str, value: bool) -> None:
    assert Settings.from_env({"GQL_PRODUCTION": raw}).production is value


def test_flag_that_is_not_a_boolean_is_refused() -> None:
    assert refusal({"GQL_PRODUCTION": "maybe"}) == (
        "GQL_PRODUCTION: 'maybe' is not a boolean (use true or false)"
    )


def test_unknown_retry_mode_is_refused() -> None:
    assert refusal({"GQL_RETRY_MODE": "eager"}) == (
        "GQL_RETRY_MODE: 'eager' is not one of standard, adaptive, legacy"
    )


def test_cursor_secret_is_read_as_bytes() -> None:
    assert Settings.from_env({"GQL_CURSOR_SECRET": SECRET}).cursor_secrets == (SECRET.encode(),)


def test_short_cursor_secret_is_refused() -> None:
    assert refusal({"GQL_CURSOR_SECRET": SECRET[:-1]}) == (
        "GQL_CURSOR_SECRET: each secret must be at least 16 characters"
    )


def test_several_cursor_secrets_keep_their_order_for_rotation() -> None:
    env = {"GQL_CURSOR_SECRET": f"new-{SECRET}, old-{SECRET}"}

    assert Settings.from_env(env).cursor_secrets == (
        f"new-{SECRET}".encode(),
        f"old-{SECRET}".encode(),
    )


def test_one_short_secret_among_several_is_refused() -> None:
    assert refusal({"GQL_CURSOR_SECRET": f"{SECRET},short"}) == (
        "GQL_CURSOR_SECRET: each secret must be at least 16 characters"
    )


def test_api_keys_are_a_comma_separated_list() -> None:
    env = {"GQL_API_KEYS": "key-one, key-two,,key-three ,"}

    assert Settings.from_env(env).api_keys == frozenset({"key-one", "key-two", "key-three"})


def test_cors_origins_are_a_comma_separated_list_in_order() -> None:
    env = {"GQL_CORS_ORIGINS": "https://b.example, https://a.example"}

    assert Settings.from_env(env).cors_origins == ("https://b.example", "https://a.example")


def test_without_an_explicit_environment_the_process_environment_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GQL_TABLE", "FromProcess")

    assert Settings.from_env().table == "FromProcess"
