"""`gql serve` as a process, serving a table that the CLI made and loaded in DynamoDB Local."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.integration.conftest import (
    ACCEPTANCE_QUERY,
    SAMPLE,
    Server,
    create_and_load,
    drop_table,
    graphql,
    local_env,
    put_items,
    unique_table,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture(scope="module")
def env(dynamodb_local_url: str, dynamodb: DynamoDBClient) -> Iterator[dict[str, str]]:
    """Settings for a table holding the tutorial's six readings, loaded by the CLI."""
    table = unique_table("serve")
    try:
        create_and_load(dynamodb_local_url, table, SAMPLE)
        yield local_env(dynamodb_local_url, table)
    finally:
        drop_table(dynamodb, table)


@pytest.fixture(scope="module")
def server(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(env, tmp_path_factory.mktemp("server")) as server:
        yield server


def test_acceptance_query_returns_device_10001_readings_1_and_2(server: Server) -> None:
    data = graphql(server, ACCEPTANCE_QUERY)

    assert data == {
        "readingsByDevice": {
            "edges": [
                {"node": {"datacount": 1, "info": {"temperature1": 37.2}}},
                {"node": {"datacount": 2, "info": {"temperature1": 24.34}}},
            ]
        }
    }


def test_readyz_is_200_when_the_table_exists(server: Server) -> None:
    response = server.http.get("/readyz")

    assert response.status_code == 200, response.text


def test_reading_written_by_the_tutorials_create_item_script_is_served_with_numbers(
    server: Server, env: dict[str, str], dynamodb: DynamoDBClient
) -> None:
    # create_item.py passes the temperatures as strings, so DynamoDB stores them as strings.
    temperatures = ["23.74", "32.56", "12.43", "44.74", "12.74"]
    put_items(
        dynamodb,
        env["GQL_TABLE"],
        [
            {
                "device_id": "legacy",
                "datacount": 3,
                "info": {
                    "info_timestamp": "1612522800",
                    **{f"temperature{n}": t for n, t in enumerate(temperatures, start=1)},
                },
            }
        ],
    )

    data = graphql(
        server,
        """{ reading(deviceId: "legacy", datacount: 3) { version info { infoTimestamp
             temperature1 temperature2 temperature3 temperature4 temperature5 } } }""",
    )

    assert data["reading"] == {
        "version": None,
        "info": {
            "infoTimestamp": "1612522800",
            **{f"temperature{n}": float(t) for n, t in enumerate(temperatures, start=1)},
        },
    }


def test_first_stdout_line_names_the_table_and_the_endpoint(
    server: Server, env: dict[str, str]
) -> None:
    first_line = server.stdout.splitlines()[0]

    assert env["GQL_TABLE"] in first_line
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] in first_line
    assert "embedded" not in first_line.lower()


def test_sigterm_stops_the_server_cleanly_within_a_few_seconds(
    env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    with Server(env, tmp_path_factory.mktemp("sigterm")) as server:
        assert graphql(server, ACCEPTANCE_QUERY)["readingsByDevice"]["edges"]

        code = server.terminate(timeout=5)

    # A drain asked for and done is a success (gql.web.server): 0, not "killed by SIGTERM".
    assert code == 0, server.stderr
    assert "Traceback" not in server.stderr
    assert "Application shutdown complete" in server.stderr
