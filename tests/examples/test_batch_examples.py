"""The batch writer of each flavour (put_readings), against a live server on DynamoDB Local."""

from __future__ import annotations

import pytest

from gql.store.client import DynamoDB
from gql.store.tables import Tables
from tests.conftest import local_client
from tests.examples.conftest import FLAVOURS, Result, Server

KEYS = ["10004 : 1", "10004 : 2", "10004 : 3"]
NOT_WRITTEN = "not written: another reading in the batch failed"
EXISTS = "a reading with this key already exists"


def put_readings(server: Server, name: str, *args: str, code: int = 0) -> list[str]:
    flavour = FLAVOURS[name]
    if reason := flavour.missing():
        pytest.skip(reason)
    result: Result = server.run(flavour.argv("put_readings", *args))
    assert result.code == code, f"{result}\n--- server log\n{server.log.read_text()[-3000:]}"
    assert (result.stderr == "") == (code == 0), result
    return result.stdout.splitlines()


@pytest.mark.parametrize("name", FLAVOURS)
def test_put_readings_prints_a_result_per_reading(name: str, fresh: Server) -> None:
    Tables(DynamoDB(local_client(), fresh.table)).create(wait=True)

    assert put_readings(fresh, name) == [
        "putReadings: 3 readings, one by one",
        *(f"  {key}  written, version 1" for key in KEYS),
        "Written: 3 of 3.",
    ]
    assert put_readings(fresh, name, "--atomic") == [
        "putReadings: 3 readings, atomic",
        *(f"  {key}  written, version 2" for key in KEYS),
        "Written: 3 of 3.",
    ]
    # Every reading exists: each one is refused, with the reading as it stands.
    assert put_readings(fresh, name, "--if-not-exists") == [
        "putReadings: 3 readings, one by one, if not exists",
        *(f"  {key}  ConditionFailed: {EXISTS} (current version 2)" for key in KEYS),
        "Written: 0 of 3.",
    ]
    local_client().delete_item(
        TableName=fresh.table, Key={"device_id": {"S": "10004"}, "datacount": {"N": "2"}}
    )
    # Atomic: the two that exist fail, and so the third is not written either.
    assert put_readings(fresh, name, "--atomic", "--if-not-exists") == [
        "putReadings: 3 readings, atomic, if not exists",
        f"  10004 : 1  ConditionFailed: {EXISTS} (current version 2)",
        f"  10004 : 2  ConditionFailed: {NOT_WRITTEN}",
        f"  10004 : 3  ConditionFailed: {EXISTS} (current version 2)",
        "Written: 0 of 3.",
    ]


@pytest.mark.parametrize("name", FLAVOURS)
def test_put_readings_fails_on_an_error(name: str, fresh: Server) -> None:
    # No table: the server cannot write, and says so with a code.
    put_readings(fresh, name, code=1)
    result = fresh.run(FLAVOURS[name].argv("put_readings"))
    assert "(BACKEND_UNAVAILABLE)" in result.stderr, result

    result = fresh.run(FLAVOURS[name].argv("put_readings", "--fast"))
    assert result.code == 1, result
    assert "error: unknown argument '--fast'; use --atomic and --if-not-exists" in result.stderr
