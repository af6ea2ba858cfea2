"""`gql serve` with nothing configured: the embedded in-memory backend. No DynamoDB Local."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import (
    ACCEPTANCE_QUERY,
    Server,
    bare_env,
    graphql,
    pages,
    sample_items,
)

SCAN = """query($after: String) { scanReadings(first: 4, after: $after) {
  edges { node { deviceId datacount } } pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # No endpoint, no GQL_BACKEND, no credentials: what a first-time user has.
    with Server(bare_env(), tmp_path_factory.mktemp("embedded")) as server:
        yield server


def test_first_stdout_line_says_in_memory_lost_at_exit_and_how_to_use_dynamodb_local(
    server: Server,
) -> None:
    first_line = server.stdout.splitlines()[0]

    assert "in-memory" in first_line.lower() or "in memory" in first_line.lower(), first_line
    assert "lost at exit" in first_line.lower(), first_line
    assert "AWS_ENDPOINT_URL_DYNAMODB" in first_line, first_line


def test_acceptance_query_returns_the_sample_data(server: Server) -> None:
    data = graphql(server, ACCEPTANCE_QUERY)

    assert data == {
        "readingsByDevice": {
            "edges": [
                {"node": {"datacount": 1, "info": {"temperature1": 37.2}}},
                {"node": {"datacount": 2, "info": {"temperature1": 24.34}}},
            ]
        }
    }


def test_embedded_backend_holds_exactly_the_six_tutorial_readings(server: Server) -> None:
    found = [key for page in pages(server, SCAN, "scanReadings", {}) for key in page]

    expected = [(item["device_id"], int(item["datacount"])) for item in sample_items()]
    assert sorted(found) == sorted(expected)
