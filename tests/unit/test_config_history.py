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


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"GQL_HISTORY_TABLE": "Devices"},
            "GQL_HISTORY_TABLE: must not be the readings table, 'Devices'",
        ),
        (
            {"GQL_TABLE": "Sensors", "GQL_HISTORY_TABLE": "Sensors"},
            "GQL_HISTORY_TABLE: must not be the readings table, 'Sensors'",
        ),
        (
            {"GQL_HISTORY_TABLE": "my history"},
            "GQL_HISTORY_TABLE: 'my history' is not a table name (3-255 of A-Z a-z 0-9 _ - .)",
        ),
        (
            {"GQL_TABLE": "ab"},
            "GQL_TABLE: 'ab' is not a table name (3-255 of A-Z a-z 0-9 _ - .)",
        ),
    ],
)
def test_a_history_table_that_is_no_table_of_its_own_is_refused(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)

    assert str(caught.value) == message


def test_a_table_name_too_long_to_name_its_history_after_asks_for_one() -> None:
    long = "D" * 250

    with pytest.raises(ConfigError, match=r"GQL_HISTORY_TABLE: 'D{250}History' is not a table"):
        Settings.from_env({"GQL_TABLE": long})
    assert Settings.from_env({"GQL_TABLE": long, "GQL_HISTORY_TABLE": "H" * 9}).history_name == (
        "H" * 9
    )
