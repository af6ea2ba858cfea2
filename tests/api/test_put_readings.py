"""putReadings: one result per reading in input order, versions, atomic all-or-nothing, limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gql.web.app import create_app
from tests.api.conftest import Api, new_table, reading, serving, settings_for

READING = """deviceId datacount version
  info { infoTimestamp temperature1 temperature2 temperature3 temperature4 temperature5 }"""

PUT_READINGS = f"""mutation ($readings: [ReadingInput!]!, $ifNotExists: Boolean! = false,
                              $atomic: Boolean! = false) {{
  putReadings(readings: $readings, ifNotExists: $ifNotExists, atomic: $atomic) {{
    written
    results {{
      __typename
      ... on Reading {{ {READING} }}
      ... on ConditionFailed {{ message current {{ {READING} }} }}
    }}
  }}
}}"""

NOT_WRITTEN = "not written: another reading in the batch failed"
EXISTS = "a reading with this key already exists"


@pytest.fixture
def roomy_api(api: Api) -> Iterator[Api]:
    """An app over a new, empty table, with a request time budget that a loaded machine does
    not spend: moto takes seconds for a 50-item transaction when the CPUs are busy, and these
    tests are about what is written, not how fast."""
    with new_table(api) as store:
        app = create_app(settings_for(store.table, request_timeout=60.0), store=store)
        with serving(app, store, api.backend) as served:
            yield served


def given(device: str, datacount: int, temperature1: float = 20.5) -> dict[str, Any]:
    return {
        "deviceId": device,
        "datacount": datacount,
        "info": {"infoTimestamp": str(1612519200 + datacount), "temperature1": temperature1},
    }


def returned(sent: dict[str, Any], version: int | None) -> dict[str, Any]:
    """A sent reading as the API returns it, temperatures not given being null."""
    temperatures = {f"temperature{n}": None for n in range(1, 6)}
    return {
        "__typename": "Reading",
        "deviceId": sent["deviceId"],
        "datacount": sent["datacount"],
        "version": version,
        "info": {**temperatures, **sent["info"]},
    }


def put_readings(api: Api, readings: list[dict[str, Any]], **flags: bool) -> dict[str, Any]:
    result: dict[str, Any] = api.data(PUT_READINGS, {"readings": readings, **flags})["putReadings"]
    return result


def full_scan(api: Api) -> list[dict[str, Any]]:
    """Every item of the table, raw, in key order: what DynamoDB holds, not what the API says."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"TableName": api.table, "ConsistentRead": True}
    while True:
        page = api.client.scan(**params)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            break
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda i: (i["device_id"]["S"], int(i["datacount"]["N"])))


def stored_versions(api: Api, device: str, count: int) -> list[int | None]:
    versions: list[int | None] = []
    for datacount in range(count):
        item = api.client.get_item(
            TableName=api.table,
            Key={"device_id": {"S": device}, "datacount": {"N": str(datacount)}},
            ConsistentRead=True,
        ).get("Item")
        versions.append(int(item["version"]["N"]) if item and "version" in item else None)
    return versions


@pytest.mark.parametrize("atomic", [False, True], ids=["one-by-one", "atomic"])
def test_new_readings_are_written_with_version_1_in_input_order(
    api: Api, device: str, atomic: bool
) -> None:
    sent = [given(device, c) for c in (5, 2, 9, 0)]

    result = put_readings(api, sent, atomic=atomic)

    assert result == {"written": 4, "results": [returned(s, 1) for s in sent]}


@pytest.mark.parametrize("atomic", [False, True], ids=["one-by-one", "atomic"])
def test_rewritten_readings_get_old_version_plus_one(api: Api, device: str, atomic: bool) -> None:
    # datacount 0 at version 3, 1 written outside this API (no version), 2 new.
    api.store.batch_put([reading(device, 0, version=3, temperature1=1)])
    api.client.put_item(
        TableName=api.table,
        Item={
            "device_id": {"S": device},
            "datacount": {"N": "1"},
            "info": {"M": {"info_timestamp": {"S": "1"}, "temperature1": {"S": "9.5"}}},
        },
    )
    sent = [given(device, c, temperature1=30.25) for c in range(3)]

    result = put_readings(api, sent, atomic=atomic)

    assert result["results"] == [returned(sent[0], 4), returned(sent[1], 1), returned(sent[2], 1)]
    assert stored_versions(api, device, 3) == [4, 1, 1]
    # The version reported is the one stored, on a second round too.
    again = put_readings(api, sent, atomic=atomic)
    assert [r["version"] for r in again["results"]] == [5, 2, 2]
    assert stored_versions(api, device, 3) == [5, 2, 2]


def seeded_batch_of_50(api: Api, device: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """50 readings to send, of which readings[17] already exists (version 1, other values)."""
    api.store.batch_put([reading(device, 17, "1600000000", version=1, temperature1=99.5)])
    existing = {
        "deviceId": device,
        "datacount": 17,
        "version": 1,
        "info": {
            "infoTimestamp": "1600000000",
            "temperature1": 99.5,
            **{f"temperature{n}": None for n in range(2, 6)},
        },
    }
    return [given(device, c) for c in range(50)], existing


def test_atomic_batch_with_one_failing_condition_writes_nothing(
    roomy_api: Api, device: str
) -> None:
    api = roomy_api
    sent, existing = seeded_batch_of_50(api, device)
    before = full_scan(api)

    result = put_readings(api, sent, ifNotExists=True, atomic=True)

    assert result["written"] == 0
    assert result["results"][17] == {
        "__typename": "ConditionFailed",
        "message": EXISTS,
        "current": existing,
    }
    others = [r for i, r in enumerate(result["results"]) if i != 17]
    assert (
        others == [{"__typename": "ConditionFailed", "message": NOT_WRITTEN, "current": None}] * 49
    )
    assert full_scan(api) == before


def test_one_by_one_batch_with_one_failing_condition_writes_the_other_49(
    roomy_api: Api, device: str
) -> None:
    api = roomy_api
    sent, existing = seeded_batch_of_50(api, device)
    before = full_scan(api)

    result = put_readings(api, sent, ifNotExists=True)

    assert result["written"] == 49
    assert result["results"][17] == {
        "__typename": "ConditionFailed",
        "message": EXISTS,
        "current": existing,
    }
    assert [r for i, r in enumerate(result["results"]) if i != 17] == [
        returned(s, 1) for i, s in enumerate(sent) if i != 17
    ]
    after = full_scan(api)
    expected_new = [
        {
            "device_id": {"S": device},
            "datacount": {"N": str(c)},
            "version": {"N": "1"},
            "info": {
                "M": {"info_timestamp": {"S": str(1612519200 + c)}, "temperature1": {"N": "20.5"}}
            },
            "recorded_at": {"N": str(1612519200 + c)},  # the time index's copy
        }
        for c in range(50)
        if c != 17
    ]
    assert after == sorted(
        before + expected_new, key=lambda i: (i["device_id"]["S"], int(i["datacount"]["N"]))
    )


def test_the_same_key_twice_is_refused_naming_the_later_index(api: Api, device: str) -> None:
    sent = [given(device, c) for c in range(6)] + [given(device, 3)]

    errors = api.errors(PUT_READINGS, {"readings": sent})

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"].startswith("readings[6]: the same key")
    assert "readings[3]" in errors[0]["message"]
    assert stored_versions(api, device, 6) == [None] * 6


@pytest.mark.parametrize("atomic", [False, True], ids=["one-by-one", "atomic"])
def test_more_than_100_readings_are_refused_naming_the_limit(
    api: Api, device: str, atomic: bool
) -> None:
    sent = [given(device, c) for c in range(101)]

    errors = api.errors(PUT_READINGS, {"readings": sent, "atomic": atomic})

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert errors[0]["message"] == "readings: at most 100 readings per call, got 101"
    assert stored_versions(api, device, 3) == [None] * 3


def test_100_readings_are_accepted_atomically(roomy_api: Api, device: str) -> None:
    sent = [given(device, c) for c in range(100)]

    assert put_readings(roomy_api, sent, atomic=True)["written"] == 100


@pytest.mark.parametrize("atomic", [False, True], ids=["one-by-one", "atomic"])
def test_a_bad_reading_is_refused_by_its_index_before_anything_is_written(
    api: Api, device: str, atomic: bool
) -> None:
    sent = [given(device, c) for c in range(4)]
    sent[3]["info"]["temperature1"] = 1e300  # beyond DynamoDB's range

    errors = api.errors(PUT_READINGS, {"readings": sent, "atomic": atomic})

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    # Refused while the variables are read, named by the variable's path.
    assert errors[0]["message"].startswith("$readings[3].info.temperature1: ")
    assert stored_versions(api, device, 4) == [None] * 4


@pytest.mark.parametrize("atomic", [False, True], ids=["one-by-one", "atomic"])
def test_a_bad_timestamp_is_refused_by_its_index_before_anything_is_written(
    api: Api, device: str, atomic: bool
) -> None:
    sent = [given(device, c) for c in range(4)]
    sent[2]["info"]["infoTimestamp"] = ""

    errors = api.errors(PUT_READINGS, {"readings": sent, "atomic": atomic})

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"] == "readings[2].info.infoTimestamp: must be 1 to 64 characters"
    assert stored_versions(api, device, 4) == [None] * 4


def test_an_empty_device_id_is_refused_by_its_index(api: Api, device: str) -> None:
    sent = [given(device, 0), given("", 1)]

    errors = api.errors(PUT_READINGS, {"readings": sent})

    assert errors[0]["message"] == "readings[1].deviceId: must not be empty"
    assert stored_versions(api, device, 1) == [None]


def test_an_empty_batch_writes_nothing(api: Api) -> None:
    assert put_readings(api, [], atomic=True) == {"written": 0, "results": []}
    assert put_readings(api, []) == {"written": 0, "results": []}
