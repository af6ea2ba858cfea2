"""Query.devices, Device.readingCount/firstRecordedAt/lastRecordedAt and Query.history over HTTP,
on moto and DynamoDB Local, with the history rebuilt from the readings (gql derive rebuild)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from gql.models import ReadingInfo, ReadingKey
from gql.store import HistoryTable, ReadingStore, Status
from tests.api.conftest import Api, also_serving, new_table, rebuild_history, standalone_api
from tests.api.history_data import T0, Row, iso, write
from tests.conftest import BACKENDS

ROWS = [
    *(
        Row(f"dev-{n:02d}", k, str(T0 + 100 * n + k), {"temperature1": str(k)})
        for n in range(30)
        for k in range(1, n % 4 + 2)
    ),
    Row("dev-untimed", 1, "soon", {"temperature1": "1"}, legacy=True),
    Row("dev-untimed", 2, str(T0), {"temperature1": "2"}, legacy=True),
    Row("dev-gone", 1, str(T0), {}),
]
DEVICES = """query ($n: Int!, $after: String) { devices(first: $n, after: $after) {
  edges { cursor node { deviceId readingCount firstRecordedAt lastRecordedAt } }
  pageInfo { hasNextPage hasPreviousPage endCursor } } }"""
HISTORY = "{ history { upTo backlog consuming } }"
ONE = """query ($d: ID!) { device(deviceId: $d) {
  deviceId readingCount firstRecordedAt lastRecordedAt } }"""


def seed(store: ReadingStore) -> None:
    write(store.db.client, store.table, ROWS)
    # A device whose readings were all deleted after its history was derived (the rebuild
    # that standalone_api makes after this seed derives the delete).
    rebuild_history(store, f"{store.table}History")
    store.db.client.delete_item(
        TableName=store.table, Key={"device_id": {"S": "dev-gone"}, "datacount": {"N": "1"}}
    )


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    with standalone_api(request.param, seed, derived=True) as served:
        yield served


def expected(device: str) -> dict[str, Any]:
    rows = [r for r in ROWS if r.device == device and device != "dev-gone"]
    times = [r.seconds for r in rows if r.seconds is not None]
    return {
        "deviceId": device,
        "readingCount": len(rows),
        "firstRecordedAt": iso(float(min(times))) if times else None,
        "lastRecordedAt": iso(float(max(times))) if times else None,
    }


def walk(api: Api, size: int) -> list[dict[str, Any]]:
    pages, after = [], None
    while True:
        page = api.data(DEVICES, {"n": size, "after": after})["devices"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


def test_devices_pages_the_registry_in_device_id_order_with_counts_and_times(api: Api) -> None:
    pages = walk(api, 7)

    nodes = [edge["node"] for page in pages for edge in page["edges"]]
    wanted = sorted({r.device for r in ROWS} - {"dev-gone"})
    assert [n["deviceId"] for n in nodes] == wanted
    assert nodes == [expected(d) for d in wanted]
    assert [len(p["edges"]) for p in pages] == [7, 7, 7, 7, 3]
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True, True, True]


def test_a_device_whose_readings_are_all_deleted_answers_with_a_count_of_0(api: Api) -> None:
    gone = api.data(ONE, {"d": "dev-gone"})["device"]
    untimed = api.data(ONE, {"d": "dev-untimed"})["device"]
    listed = [e["node"]["deviceId"] for p in walk(api, 100) for e in p["edges"]]

    assert gone == {
        "deviceId": "dev-gone",
        "readingCount": 0,
        "firstRecordedAt": None,
        "lastRecordedAt": None,
    }
    assert "dev-gone" not in listed
    assert untimed == expected("dev-untimed")
    assert untimed["readingCount"] == 2


@pytest.mark.parametrize("first", [0, 101, -1])
def test_first_is_between_1_and_100(api: Api, first: int) -> None:
    errors = api.errors(DEVICES, {"n": first})

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert "first" in errors[0]["message"]


def test_a_devices_cursor_is_signed_and_bound_to_the_field(api: Api) -> None:
    cursor = api.data(DEVICES, {"n": 2})["devices"]["pageInfo"]["endCursor"]
    readings_cursor = api.data(
        '{ readingsByDevice(deviceId: "dev-03", first: 1) { pageInfo { endCursor } } }'
    )["readingsByDevice"]["pageInfo"]["endCursor"]
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]

    for bad in (tampered, readings_cursor, "not-a-cursor"):
        assert api.error_codes(DEVICES, {"n": 2, "after": bad}) == ["BAD_CURSOR"]
    pages = """query ($c: String) {
      readingsByDevice(deviceId: "dev-03", after: $c) { edges { cursor } } }"""
    swapped = api.error_codes(pages, {"c": cursor})
    assert swapped == ["BAD_CURSOR"]


def test_history_says_how_far_the_history_is_and_who_keeps_it(api: Api) -> None:
    history = HistoryTable(api.store.db.sibling(f"{api.table}History"))
    rebuilt = api.data(HISTORY)["history"]
    assert rebuilt["consuming"] is False  # a rebuild is not a consumer
    assert rebuilt["backlog"] == 0
    assert rebuilt["upTo"] is not None

    now = time.time()
    # A consumer further along than the rebuild: its upTo and backlog are the history's.
    history.report(Status("derive", now - 0.5, 3, now, consuming=True))
    consuming = api.data(HISTORY)["history"]
    history.report(Status("derive", now - 0.5, 3, now - 61, consuming=True))
    stale = api.data(HISTORY)["history"]

    assert consuming == {"upTo": iso(now - 0.5), "backlog": 3, "consuming": True}
    assert stale == {"upTo": iso(now - 0.5), "backlog": 3, "consuming": False}
    with also_serving(api, history_stale_seconds=120) as patient:
        assert patient.data(HISTORY)["history"]["consuming"] is True


def test_without_a_history_table_devices_says_how_to_make_one(api: Api) -> None:
    with new_table(api) as store:
        store.put(ReadingKey("d", 1), ReadingInfo(str(T0), Decimal(1)))
        with also_serving(api, store=store) as bare:
            count = 'query { device(deviceId: "d") { readingCount } }'
            errors = bare.errors(DEVICES, {"n": 5}) + bare.errors(count)
            history = bare.data(HISTORY)["history"]

    assert [e["extensions"]["code"] for e in errors] == ["BACKEND_UNAVAILABLE"] * 2
    assert all(f"table {store.table}History" in e["message"] for e in errors)
    assert all("gql table create" in e["message"] for e in errors)
    assert history == {"upTo": None, "backlog": 0, "consuming": False}
