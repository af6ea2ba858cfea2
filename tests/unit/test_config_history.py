"""The settings of Device.stats and Device.series (issue 11)."""

from __future__ import annotations

import pytest

from gql.config import Settings
from gql.errors import ConfigError


def test_defaults_read_10000_readings_and_allow_1000_buckets() -> None:
    settings = Settings.from_env({})

    assert (settings.history_read_budget, settings.series_max_buckets) == (10_000, 1000)


def test_both_are_read_from_the_environment() -> None:
    env = {"GQL_HISTORY_READ_BUDGET": "50000", "GQL_SERIES_MAX_BUCKETS": " 24 "}

    settings = Settings.from_env(env)

    assert (settings.history_read_budget, settings.series_max_buckets) == (50_000, 24)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("GQL_HISTORY_READ_BUDGET", "0", "GQL_HISTORY_READ_BUDGET: 0 is below the minimum of 1"),
        ("GQL_HISTORY_READ_BUDGET", "1e4", "GQL_HISTORY_READ_BUDGET: '1e4' is not a whole number"),
        ("GQL_SERIES_MAX_BUCKETS", "-1", "GQL_SERIES_MAX_BUCKETS: -1 is below the minimum of 1"),
        ("GQL_SERIES_MAX_BUCKETS", "many", "GQL_SERIES_MAX_BUCKETS: 'many' is not a whole number"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(name: str, raw: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: raw})

    assert str(caught.value) == message


def test_the_history_table_is_named_after_the_readings_table_unless_set() -> None:
    assert Settings.from_env({"GQL_TABLE": "Sensors"}).history_name == "SensorsHistory"
    assert Settings.from_env({"GQL_HISTORY_TABLE": "Rollups"}).history_name == "Rollups"


def test_a_consumer_is_stale_after_60_seconds_unless_told_otherwise() -> None:
    assert Settings.from_env({}).history_stale_seconds == 60.0
    assert Settings.from_env({"GQL_HISTORY_STALE_SECONDS": "5"}).history_stale_seconds == 5.0
    with pytest.raises(ConfigError, match="GQL_HISTORY_STALE_SECONDS"):
        Settings.from_env({"GQL_HISTORY_STALE_SECONDS": "soon"})
