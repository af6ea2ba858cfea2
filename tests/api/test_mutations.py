"""Writes: putReading, updateReading and deleteReadingIf, their union results and versions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, reading

READING = """deviceId datacount version
  info { infoTimestamp temperature1 temperature2 temperature3 temperature4 temperature5 }"""

PUT = f"""mutation ($d: ID!, $c: Int!, $info: ReadingInfoInput!, $ifNotExists: Boolean! = false) {{
  putReading(reading: {{deviceId: $d, datacount: $c, info: $info}}, ifNotExists: $ifNotExists) {{
    __typename
    ... on Reading {{ {READING} }}
    ... on ConditionFailed {{ message current {{ {READING} }} }}
  }}
}}"""

UPDATE = f"""mutation ($d: ID!, $c: Int!, $info: ReadingInfoPatch!, $v: Int,
                     $condition: ReadingCondition) {{
  updateReading(deviceId: $d, datacount: $c, info: $info, expectedVersion: $v,
                condition: $condition) {{
    __typename
    ... on Reading {{ {READING} }}
    ... on ConditionFailed {{ message current {{ {READING} }} }}
    ... on ReadingNotFound {{ message deviceId datacount }}
  }}
}}"""

DELETE = f"""mutation ($d: ID!, $c: Int!, $condition: ReadingCondition!, $v: Int) {{
  deleteReadingIf(deviceId: $d, datacount: $c, condition: $condition, expectedVersion: $v) {{
    __typename
    ... on Reading {{ {READING} }}
    ... on ConditionFailed {{ message current {{ {READING} }} }}
    ... on ReadingNotFound {{ message deviceId datacount }}
  }}
}}"""

INFO = {"infoTimestamp": "1612522800", "temperature1": 23.74, "temperature2": 32.56}
HOT = {"temperature1": {"gt": 30}}  # fails on INFO
ANY = {"infoTimestamp": {"exists": True}}  # holds on every reading
COLD = {"temperature1": {"lt": 30}}


def as_returned(device: str, datacount: int, version: int | None, **info: Any) -> dict[str, Any]:
    """A Reading as the API returns it, temperatures not given being null."""
    temperatures = {f"temperature{n}": None for n in range(1, 6)}
    return {
        "deviceId": device,
        "datacount": datacount,
        "version": version,
        "info": {**temperatures, **info},
    }


def put(api: Api, device: str, datacount: int = 1, **variables: Any) -> dict[str, Any]:
    info = variables.pop("info", INFO)
    result: dict[str, Any] = api.data(
        PUT, {"d": device, "c": datacount, "info": info, **variables}
    )["putReading"]
    return result


def update(api: Api, device: str, datacount: int = 1, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.data(UPDATE, {"d": device, "c": datacount, **variables})[
        "updateReading"
    ]
    return result


def delete(api: Api, device: str, datacount: int = 1, **variables: Any) -> dict[str, Any]:
    variables.setdefault("condition", ANY)
    result: dict[str, Any] = api.data(DELETE, {"d": device, "c": datacount, **variables})[
        "deleteReadingIf"
    ]
    return result


def item(api: Api, device: str, datacount: int = 1) -> dict[str, Any] | None:
    """The item as the table holds it (a consistent GetItem), or None."""
    response = api.client.get_item(
        TableName=api.table,
        Key={"device_id": {"S": device}, "datacount": {"N": str(datacount)}},
        ConsistentRead=True,
    )
    found: dict[str, Any] | None = response.get("Item")
    return found


def without_typename(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "__typename"}


# -- putReading --------------------------------------------------------------------------------


def test_put_of_a_new_reading_returns_it_at_version_1(api: Api, device: str) -> None:
    result = put(api, device, 3)

    assert result == {"__typename": "Reading", **as_returned(device, 3, 1, **INFO)}


def test_put_of_a_new_reading_stores_canonical_numbers_and_a_version(api: Api, device: str) -> None:
    put(api, device, 3)

    assert item(api, device, 3) == {
        "device_id": {"S": device},
        "datacount": {"N": "3"},
        "info": {
            "M": {
                "info_timestamp": {"S": "1612522800"},
                "temperature1": {"N": "23.74"},
                "temperature2": {"N": "32.56"},
            }
        },
        "version": {"N": "1"},
        "recorded_at": {"N": "1612522800"},  # the time index's copy of the timestamp
    }


def test_put_over_a_reading_returns_it_at_version_2(api: Api, device: str) -> None:
    put(api, device)

    assert put(api, device)["version"] == 2


def test_put_over_a_reading_replaces_its_info_whole(api: Api, device: str) -> None:
    put(api, device)

    result = put(api, device, info={"infoTimestamp": "1700000000", "temperature3": 1.5})

    assert without_typename(result) == as_returned(
        device, 1, 2, infoTimestamp="1700000000", temperature3=1.5
    )


def test_put_if_not_exists_of_a_new_reading_writes_it(api: Api, device: str) -> None:
    result = put(api, device, ifNotExists=True)

    assert (result["__typename"], result["version"]) == ("Reading", 1)


def test_put_if_not_exists_over_a_reading_is_condition_failed_with_the_current_one(
    api: Api, device: str
) -> None:
    put(api, device)

    result = put(api, device, ifNotExists=True, info={"infoTimestamp": "1", "temperature1": 1.0})

    assert result["__typename"] == "ConditionFailed"
    assert result["message"]
    assert result["current"] == as_returned(device, 1, 1, **INFO)


def test_put_if_not_exists_over_a_reading_leaves_it_unchanged(api: Api, device: str) -> None:
    put(api, device)
    before = item(api, device)

    put(api, device, ifNotExists=True, info={"infoTimestamp": "1", "temperature1": 1.0})

    assert item(api, device) == before


# -- updateReading -----------------------------------------------------------------------------


def test_update_sets_the_fields_given(api: Api, device: str) -> None:
    put(api, device)

    result = update(api, device, info={"temperature1": 1.25, "temperature4": 4.0})

    assert result["info"]["temperature1"] == 1.25
    assert result["info"]["temperature4"] == 4.0


def test_update_leaves_the_fields_left_out_untouched(api: Api, device: str) -> None:
    put(api, device)

    result = update(api, device, info={"temperature4": 4.0})

    assert without_typename(result) == as_returned(device, 1, 2, **INFO, temperature4=4.0)


def test_update_removes_the_fields_given_as_null(api: Api, device: str) -> None:
    put(api, device)

    result = update(api, device, info={"temperature2": None})

    assert result["info"]["temperature2"] is None
    assert "temperature2" not in item(api, device)["info"]["M"]  # type: ignore[index]


def test_update_written_as_a_literal_sets_removes_and_leaves_fields(api: Api, device: str) -> None:
    put(api, device)

    result = api.data(
        """mutation ($d: ID!) { updateReading(deviceId: $d, datacount: 1,
             info: {temperature1: 5.5, temperature2: null}) {
           ... on Reading { version info { infoTimestamp temperature1 temperature2 } } } }""",
        {"d": device},
    )["updateReading"]

    assert result == {
        "version": 2,
        "info": {"infoTimestamp": "1612522800", "temperature1": 5.5, "temperature2": None},
    }


def test_update_changes_info_timestamp(api: Api, device: str) -> None:
    put(api, device)

    result = update(api, device, info={"infoTimestamp": "1700000000"})

    assert result["info"]["infoTimestamp"] == "1700000000"


def test_update_with_an_empty_patch_only_bumps_the_version(api: Api, device: str) -> None:
    put(api, device)

    result = update(api, device, info={})

    assert without_typename(result) == as_returned(device, 1, 2, **INFO)


def test_update_removing_info_timestamp_is_bad_user_input_naming_it(api: Api, device: str) -> None:
    put(api, device)
    before = item(api, device)

    errors = api.errors(UPDATE, {"d": device, "c": 1, "info": {"infoTimestamp": None}})

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert "infoTimestamp" in errors[0]["message"]
    assert item(api, device) == before


def test_update_of_a_missing_key_is_reading_not_found(api: Api, device: str) -> None:
    result = update(api, device, 4, info={"temperature1": 1.0})

    assert result["__typename"] == "ReadingNotFound"
    assert (result["deviceId"], result["datacount"]) == (device, 4)
    assert result["message"]


def test_update_of_a_missing_key_creates_no_reading(api: Api, device: str) -> None:
    update(api, device, 4, info={"infoTimestamp": "1", "temperature1": 1.0})

    assert item(api, device, 4) is None


def test_update_of_a_missing_key_with_expected_version_is_reading_not_found(
    api: Api, device: str
) -> None:
    result = update(api, device, 4, info={"temperature1": 1.0}, v=1)

    assert result["__typename"] == "ReadingNotFound"
    assert item(api, device, 4) is None


def test_update_with_the_expected_version_bumps_it(api: Api, device: str) -> None:
    put(api, device)
    put(api, device)

    result = update(api, device, info={"temperature1": 1.0}, v=2)

    assert (result["__typename"], result["version"]) == ("Reading", 3)


def test_update_with_another_version_is_condition_failed_with_the_current_reading(
    api: Api, device: str
) -> None:
    put(api, device)

    result = update(api, device, info={"temperature1": 1.0}, v=7)

    assert result["__typename"] == "ConditionFailed"
    assert result["current"] == as_returned(device, 1, 1, **INFO)


def test_update_with_another_version_leaves_the_reading_unchanged(api: Api, device: str) -> None:
    put(api, device)
    before = item(api, device)

    update(api, device, info={"temperature1": 1.0}, v=7)

    assert item(api, device) == before


def test_update_with_a_condition_that_holds_writes(api: Api, device: str) -> None:
    put(api, device)

    result = update(api, device, info={"temperature1": 1.0}, condition=COLD)

    assert (result["__typename"], result["info"]["temperature1"]) == ("Reading", 1.0)


def test_update_with_a_condition_that_fails_is_condition_failed_with_the_current_reading(
    api: Api, device: str
) -> None:
    put(api, device)
    before = item(api, device)

    result = update(api, device, info={"temperature1": 1.0}, condition=HOT)

    assert result["__typename"] == "ConditionFailed"
    assert result["current"] == as_returned(device, 1, 1, **INFO)
    assert item(api, device) == before


def test_update_with_the_right_version_but_a_failing_condition_is_condition_failed(
    api: Api, device: str
) -> None:
    put(api, device)

    result = update(api, device, info={"temperature1": 1.0}, v=1, condition=HOT)

    assert result["__typename"] == "ConditionFailed"


# -- deleteReadingIf ---------------------------------------------------------------------------


def test_delete_when_the_condition_holds_returns_the_deleted_reading(api: Api, device: str) -> None:
    put(api, device)

    result = delete(api, device, condition=COLD)

    assert result == {"__typename": "Reading", **as_returned(device, 1, 1, **INFO)}


def test_delete_when_the_condition_holds_removes_the_reading(api: Api, device: str) -> None:
    put(api, device)

    delete(api, device, condition=COLD)

    assert item(api, device) is None


def test_delete_when_the_condition_fails_is_condition_failed_with_the_current_reading(
    api: Api, device: str
) -> None:
    put(api, device)

    result = delete(api, device, condition=HOT)

    assert result["__typename"] == "ConditionFailed"
    assert result["message"]
    assert result["current"] == as_returned(device, 1, 1, **INFO)


def test_delete_when_the_condition_fails_keeps_the_reading(api: Api, device: str) -> None:
    put(api, device)
    before = item(api, device)

    delete(api, device, condition=HOT)

    assert item(api, device) == before


@pytest.mark.parametrize("condition", [HOT, COLD], ids=["failing", "holding"])
def test_delete_of_a_missing_key_is_reading_not_found(
    api: Api, device: str, condition: dict[str, Any]
) -> None:
    result = delete(api, device, 9, condition=condition)

    assert result["__typename"] == "ReadingNotFound"
    assert (result["deviceId"], result["datacount"]) == (device, 9)


def test_delete_with_the_expected_version_deletes(api: Api, device: str) -> None:
    put(api, device)
    put(api, device)

    result = delete(api, device, v=2)

    assert (result["__typename"], result["version"]) == ("Reading", 2)
    assert item(api, device) is None


def test_delete_with_another_version_is_condition_failed_and_keeps_the_reading(
    api: Api, device: str
) -> None:
    put(api, device)

    result = delete(api, device, v=2)

    assert result["__typename"] == "ConditionFailed"
    assert result["current"]["version"] == 1
    assert item(api, device) is not None


# -- versions ----------------------------------------------------------------------------------


def test_every_successful_write_sets_the_version_to_the_old_one_plus_1(
    api: Api, device: str
) -> None:
    versions = [
        put(api, device)["version"],
        update(api, device, info={"temperature1": 1.0})["version"],
        update(api, device, info={"temperature2": None}, v=2)["version"],
        put(api, device)["version"],
        update(api, device, info={}, condition=COLD)["version"],
    ]

    assert versions == [1, 2, 3, 4, 5]


def test_a_failed_write_does_not_bump_the_version(api: Api, device: str) -> None:
    put(api, device)
    put(api, device, ifNotExists=True)
    update(api, device, info={"temperature1": 1.0}, v=9)
    update(api, device, info={"temperature1": 1.0}, condition=HOT)
    delete(api, device, condition=HOT)

    assert item(api, device)["version"] == {"N": "1"}  # type: ignore[index]


def test_put_after_delete_starts_again_at_version_1(api: Api, device: str) -> None:
    put(api, device)
    put(api, device)
    delete(api, device)

    assert put(api, device)["version"] == 1


def test_writes_to_one_reading_leave_its_neighbours_alone(api: Api, device: str) -> None:
    api.store.batch_put([reading(device, 1, "1"), reading(device, 3, "3")])

    put(api, device, 2)
    update(api, device, 2, info={"temperature1": 9.0})
    delete(api, device, 2)

    assert [item(api, device, n) is not None for n in (1, 2, 3)] == [True, False, True]
