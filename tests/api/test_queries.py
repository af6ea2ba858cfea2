"""Reading readings by key: `reading`, `node`, `device`, `latestReading` and `recordedAt`."""

from __future__ import annotations

import base64

import pytest

from tests.api.conftest import Api, reading

READING = """query ($d: ID!, $c: Int!, $consistent: Boolean! = false) {
  reading(deviceId: $d, datacount: $c, consistentRead: $consistent) {
    deviceId datacount version
    info { infoTimestamp recordedAt temperature1 temperature2 temperature3 temperature4
           temperature5 }
  }
}"""

PUT = """mutation ($d: ID!, $c: Int!) {
  putReading(reading: {deviceId: $d, datacount: $c,
                       info: {infoTimestamp: "1612519200", temperature1: 20.5}}) {
    __typename
  }
}"""

LATEST = "query ($d: ID!) { device(deviceId: $d) { deviceId latestReading { datacount } } }"


def test_reading_returns_every_field_of_a_stored_reading(api: Api, device: str) -> None:
    temperatures = {
        "temperature1": 23.74,
        "temperature2": 32.56,
        "temperature3": 12.43,
        "temperature4": 44.74,
        "temperature5": 12.74,
    }
    api.store.batch_put([reading(device, 3, "1612522800", version=4, **temperatures)])

    data = api.data(READING, {"d": device, "c": 3})

    assert data["reading"] == {
        "deviceId": device,
        "datacount": 3,
        "version": 4,
        "info": {
            "infoTimestamp": "1612522800",
            "recordedAt": "2021-02-05T11:00:00+00:00",
            **temperatures,
        },
    }


def test_temperatures_a_reading_does_not_have_are_null(api: Api, device: str) -> None:
    api.store.batch_put([reading(device, 1, temperature2=5.5)])

    info = api.data(READING, {"d": device, "c": 1})["reading"]["info"]

    assert [info[f"temperature{n}"] for n in range(1, 6)] == [None, 5.5, None, None, None]


def test_reading_of_a_missing_key_is_null(api: Api, device: str) -> None:
    api.store.batch_put([reading(device, 1)])

    assert api.query(READING, {"d": device, "c": 2}) == {"data": {"reading": None}}


def test_reading_of_another_device_with_the_same_datacount_is_null(api: Api, device: str) -> None:
    api.store.batch_put([reading(device, 1)])

    assert api.data(READING, {"d": device + "-other", "c": 1}) == {"reading": None}


def test_consistent_read_returns_the_reading_just_written(api: Api, device: str) -> None:
    assert api.data(PUT, {"d": device, "c": 7})["putReading"]["__typename"] == "Reading"

    data = api.data(READING, {"d": device, "c": 7, "consistent": True})

    assert (data["reading"]["datacount"], data["reading"]["version"]) == (7, 1)


def test_consistent_read_of_a_missing_key_is_null(api: Api, device: str) -> None:
    assert api.data(READING, {"d": device, "c": 7, "consistent": True}) == {"reading": None}


def test_readings_asked_by_key_in_one_request_each_get_their_own(api: Api, device: str) -> None:
    a, b = device + "-a", device + "-b"
    api.store.batch_put([reading(a, 1, "100"), reading(a, 2, "200"), reading(b, 1, "300")])

    data = api.data(
        """query ($a: ID!, $b: ID!) {
          a1: reading(deviceId: $a, datacount: 1) { info { infoTimestamp } }
          a2: reading(deviceId: $a, datacount: 2) { info { infoTimestamp } }
          b1: reading(deviceId: $b, datacount: 1) { info { infoTimestamp } }
          again: reading(deviceId: $a, datacount: 1) { info { infoTimestamp } }
          none: reading(deviceId: $b, datacount: 2) { info { infoTimestamp } }
        }""",
        {"a": a, "b": b},
    )

    assert data == {
        "a1": {"info": {"infoTimestamp": "100"}},
        "a2": {"info": {"infoTimestamp": "200"}},
        "b1": {"info": {"infoTimestamp": "300"}},
        "again": {"info": {"infoTimestamp": "100"}},
        "none": None,
    }


def test_device_of_a_reading_is_the_device_it_belongs_to(api: Api, device: str) -> None:
    api.store.batch_put([reading(device, 1), reading(device, 5), reading(device + "-x", 9)])

    data = api.data(
        """query ($d: ID!) { reading(deviceId: $d, datacount: 1) {
             device { deviceId latestReading { datacount } } } }""",
        {"d": device},
    )

    assert data["reading"]["device"] == {"deviceId": device, "latestReading": {"datacount": 5}}


# -- global ids --------------------------------------------------------------------------------

ID_OF = "query ($d: ID!, $c: Int!) { reading(deviceId: $d, datacount: $c) { id } }"
NODE = """query ($id: ID!) {
  node(id: $id) { id ... on Reading { deviceId datacount info { infoTimestamp } } }
}"""


@pytest.mark.parametrize("suffix", ["", ":plant:7", " ünïcode"])
def test_node_by_the_id_of_a_reading_returns_that_reading(
    api: Api, device: str, suffix: str
) -> None:
    device += suffix
    api.store.batch_put([reading(device, 3, "1612522800"), reading(device, 4)])
    node_id = api.data(ID_OF, {"d": device, "c": 3})["reading"]["id"]

    data = api.data(NODE, {"id": node_id})

    assert data["node"] == {
        "id": node_id,
        "deviceId": device,
        "datacount": 3,
        "info": {"infoTimestamp": "1612522800"},
    }


def test_readings_of_different_keys_have_different_ids(api: Api, device: str) -> None:
    api.store.batch_put([reading(device, 1), reading(device, 2), reading(device + ":1", 1)])

    ids = {
        api.data(ID_OF, {"d": d, "c": c})["reading"]["id"]
        for d, c in [(device, 1), (device, 2), (device + ":1", 1)]
    }

    assert len(ids) == 3


def test_node_with_the_id_of_a_deleted_reading_is_null(api: Api, device: str) -> None:
    api.store.batch_put([reading(device, 3)])
    node_id = api.data(ID_OF, {"d": device, "c": 3})["reading"]["id"]
    api.client.delete_item(
        TableName=api.table, Key={"device_id": {"S": device}, "datacount": {"N": "3"}}
    )

    assert api.query(NODE, {"id": node_id}) == {"data": {"node": None}}


def test_node_with_a_malformed_id_is_bad_user_input(api: Api) -> None:
    errors = api.errors(NODE, {"id": "garbage"})

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert "id" in errors[0]["message"]


def test_node_with_the_id_of_another_type_is_bad_user_input(api: Api, device: str) -> None:
    other = base64.b64encode(f"Device:{device}".encode()).decode()

    assert api.error_codes(NODE, {"id": other}) == ["BAD_USER_INPUT"]


# -- devices -----------------------------------------------------------------------------------


def test_latest_reading_is_the_reading_with_the_highest_datacount(api: Api, device: str) -> None:
    api.store.batch_put([reading(device, n) for n in (3, 12, 7)] + [reading(device + "-x", 99)])

    data = api.data(LATEST, {"d": device})

    assert data["device"] == {"deviceId": device, "latestReading": {"datacount": 12}}


def test_latest_reading_of_an_unknown_device_is_null(api: Api, device: str) -> None:
    api.store.batch_put([reading(device + "-x", 1)])

    data = api.data(LATEST, {"d": device})

    assert data == {"device": {"deviceId": device, "latestReading": None}}


def test_latest_readings_of_several_devices_in_one_request(api: Api, device: str) -> None:
    a, b = device + "-a", device + "-b"
    api.store.batch_put([reading(a, 1), reading(a, 2), reading(b, 5)])

    data = api.data(
        """query ($a: ID!, $b: ID!, $z: ID!) {
             a: device(deviceId: $a) { latestReading { datacount } }
             b: device(deviceId: $b) { latestReading { datacount } }
             z: device(deviceId: $z) { latestReading { datacount } } }""",
        {"a": a, "b": b, "z": device + "-z"},
    )

    assert data == {
        "a": {"latestReading": {"datacount": 2}},
        "b": {"latestReading": {"datacount": 5}},
        "z": {"latestReading": None},
    }


def test_unknown_device_has_an_empty_page_of_readings(api: Api, device: str) -> None:
    data = api.data(
        """query ($d: ID!) { device(deviceId: $d) { readings {
               edges { cursor } pageInfo { hasNextPage startCursor endCursor } } } }""",
        {"d": device},
    )

    assert data["device"]["readings"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "startCursor": None, "endCursor": None},
    }


def test_device_readings_page_on_with_their_end_cursor(api: Api, device: str) -> None:
    api.store.batch_put([reading(device, n) for n in range(1, 6)])
    document = """query ($d: ID!, $after: String) { device(deviceId: $d) {
        readings(first: 2, after: $after) {
          edges { node { datacount } } pageInfo { hasNextPage endCursor } } } }"""
    seen: list[int] = []
    after = None
    for _ in range(5):
        page = api.data(document, {"d": device, "after": after})["device"]["readings"]
        seen += [edge["node"]["datacount"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == [1, 2, 3, 4, 5]


# -- recordedAt --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timestamp", "recorded_at"),
    [
        ("1612519200", "2021-02-05T10:00:00+00:00"),
        ("0", "1970-01-01T00:00:00+00:00"),
        ("1612519200.5", "2021-02-05T10:00:00.500000+00:00"),
    ],
)
def test_recorded_at_is_the_epoch_seconds_as_a_utc_datetime(
    api: Api, device: str, timestamp: str, recorded_at: str
) -> None:
    api.store.batch_put([reading(device, 1, timestamp)])

    info = api.data(READING, {"d": device, "c": 1})["reading"]["info"]

    assert (info["infoTimestamp"], info["recordedAt"]) == (timestamp, recorded_at)


@pytest.mark.parametrize("timestamp", ["yesterday", "2021-02-05T10:00:00Z", "NaN", "Infinity"])
def test_recorded_at_is_null_when_info_timestamp_is_not_a_number(
    api: Api, device: str, timestamp: str
) -> None:
    api.store.batch_put([reading(device, 1, timestamp)])

    info = api.data(READING, {"d": device, "c": 1})["reading"]["info"]

    assert (info["infoTimestamp"], info["recordedAt"]) == (timestamp, None)
