"""Which readings a query returns: datacount conditions, order, filters, scans and devices.

Every test reads the same small table, seeded once per backend:

    datacount  infoTimestamp  t1     t2    t3   t4   t5
    1          1612519200     10.0   20.0  3.5  4.5  5.5
    2          1612521000     20.5   -     4.5  5.5  3.5
    3          1612522800     30.0   5.0   5.5  3.5  4.5
    4          1612524600     -5.0   15.0  -    -    -
    5          1612526400     25.0   25.0  -    -    -

of device "f", and one reading of device "g" (t1 1000.0, t2 500.0) that only scans see.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import Api, reading, standalone_api
from tests.conftest import BACKENDS

DEVICE = "f"
OTHER = "g"


def seed(store: ReadingStore) -> None:
    store.batch_put(
        [
            reading(DEVICE, 1, "1612519200", temperature1=10.0, temperature2=20.0,
                    temperature3=3.5, temperature4=4.5, temperature5=5.5),
            reading(DEVICE, 2, "1612521000", temperature1=20.5,
                    temperature3=4.5, temperature4=5.5, temperature5=3.5),
            reading(DEVICE, 3, "1612522800", temperature1=30.0, temperature2=5.0,
                    temperature3=5.5, temperature4=3.5, temperature5=4.5),
            reading(DEVICE, 4, "1612524600", temperature1=-5.0, temperature2=15.0),
            reading(DEVICE, 5, "1612526400", temperature1=25.0, temperature2=25.0),
            reading(OTHER, 1, "1000000000", temperature1=1000.0, temperature2=500.0),
        ]
    )  # fmt: skip


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    with standalone_api(request.param, seed) as served:
        yield served


BY_DEVICE = """query ($d: ID!, $datacount: DatacountCondition, $filter: ReadingCondition,
                      $order: SortOrder! = ASC) {
  readingsByDevice(deviceId: $d, datacount: $datacount, filter: $filter, order: $order) {
    edges { node { deviceId datacount } }
    pageInfo { hasNextPage }
  }
}"""


def datacounts(api: Api, **variables: Any) -> list[int]:
    """The datacounts readingsByDevice returns for device "f", in the order returned."""
    data = api.data(BY_DEVICE, {"d": DEVICE, **variables})["readingsByDevice"]
    assert data["pageInfo"]["hasNextPage"] is False
    assert {edge["node"]["deviceId"] for edge in data["edges"]} <= {DEVICE}
    return [edge["node"]["datacount"] for edge in data["edges"]]


# -- datacount and order -----------------------------------------------------------------------


def test_readings_by_device_returns_only_that_device_in_datacount_order(api: Api) -> None:
    assert datacounts(api) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"eq": 3}, [3]),
        ({"lt": 3}, [1, 2]),
        ({"lte": 3}, [1, 2, 3]),
        ({"gt": 3}, [4, 5]),
        ({"gte": 3}, [3, 4, 5]),
        ({"between": [2, 4]}, [2, 3, 4]),
        ({"between": [3, 3]}, [3]),
        ({"eq": 9}, []),
    ],
    ids=lambda value: str(value),
)
def test_datacount_condition_selects_the_readings_it_names(
    api: Api, condition: dict[str, Any], expected: list[int]
) -> None:
    assert datacounts(api, datacount=condition) == expected


def test_order_desc_returns_the_highest_datacount_first(api: Api) -> None:
    assert datacounts(api, order="DESC") == [5, 4, 3, 2, 1]


def test_order_desc_combines_with_a_datacount_condition(api: Api) -> None:
    assert datacounts(api, order="DESC", datacount={"lte": 3}) == [3, 2, 1]


def test_datacount_condition_combines_with_a_filter(api: Api) -> None:
    chosen = datacounts(api, datacount={"gte": 2}, filter={"temperature1": {"lt": 26}})

    assert chosen == [2, 4, 5]


def test_readings_by_device_with_consistent_read_returns_the_same_readings(api: Api) -> None:
    data = api.data(
        """query ($d: ID!) { readingsByDevice(deviceId: $d, consistentRead: true) {
             edges { node { datacount } } } }""",
        {"d": DEVICE},
    )

    assert [e["node"]["datacount"] for e in data["readingsByDevice"]["edges"]] == [1, 2, 3, 4, 5]


# -- filters -----------------------------------------------------------------------------------

TS = "1612522800"

FILTERS: list[tuple[str, dict[str, Any], list[int]]] = [
    # infoTimestamp: every string comparison
    ("ts-eq", {"infoTimestamp": {"eq": TS}}, [3]),
    ("ts-ne", {"infoTimestamp": {"ne": TS}}, [1, 2, 4, 5]),
    ("ts-lt", {"infoTimestamp": {"lt": TS}}, [1, 2]),
    ("ts-lte", {"infoTimestamp": {"lte": TS}}, [1, 2, 3]),
    ("ts-gt", {"infoTimestamp": {"gt": TS}}, [4, 5]),
    ("ts-gte", {"infoTimestamp": {"gte": TS}}, [3, 4, 5]),
    ("ts-between", {"infoTimestamp": {"between": ["1612521000", "1612524600"]}}, [2, 3, 4]),
    ("ts-beginsWith", {"infoTimestamp": {"beginsWith": "161252"}}, [2, 3, 4, 5]),
    ("ts-exists", {"infoTimestamp": {"exists": True}}, [1, 2, 3, 4, 5]),
    ("ts-not-exists", {"infoTimestamp": {"exists": False}}, []),
    # temperature1: every number comparison
    ("t1-eq", {"temperature1": {"eq": 20.5}}, [2]),
    ("t1-ne", {"temperature1": {"ne": 20.5}}, [1, 3, 4, 5]),
    ("t1-lt", {"temperature1": {"lt": 20.5}}, [1, 4]),
    ("t1-lte", {"temperature1": {"lte": 20.5}}, [1, 2, 4]),
    ("t1-gt", {"temperature1": {"gt": 20.5}}, [3, 5]),
    ("t1-gte", {"temperature1": {"gte": 20.5}}, [2, 3, 5]),
    ("t1-between", {"temperature1": {"between": [0, 25]}}, [1, 2, 5]),
    ("t1-int-literal", {"temperature1": {"eq": 30}}, [3]),
    ("t1-negative", {"temperature1": {"lt": 0}}, [4]),
    ("t2-exists", {"temperature2": {"exists": True}}, [1, 3, 4, 5]),
    ("t2-not-exists", {"temperature2": {"exists": False}}, [2]),
    # each temperature is its own attribute
    ("t3-eq", {"temperature3": {"eq": 3.5}}, [1]),
    ("t4-eq", {"temperature4": {"eq": 3.5}}, [3]),
    ("t5-eq", {"temperature5": {"eq": 3.5}}, [2]),
    ("t3-gt", {"temperature3": {"gt": 4}}, [2, 3]),
    ("t4-lte", {"temperature4": {"lte": 4.5}}, [1, 3]),
    ("t5-between", {"temperature5": {"between": [4, 5]}}, [3]),
    # operators of one comparison, and fields of one condition, combine with AND
    ("ops-and", {"temperature1": {"gt": 0, "lt": 25}}, [1, 2]),
    ("fields-and", {"infoTimestamp": {"gte": TS}, "temperature1": {"lt": 28}}, [4, 5]),
    # and / or / not, nested
    ("and", {"and": [{"temperature1": {"gt": 0}}, {"temperature2": {"gt": 10}}]}, [1, 5]),
    ("or", {"or": [{"temperature1": {"lt": 0}}, {"temperature1": {"gt": 25}}]}, [3, 4]),
    ("not", {"not": {"temperature1": {"gt": 0}}}, [4]),
    ("not-exists", {"not": {"temperature2": {"exists": True}}}, [2]),
    (
        "or-of-and-and-not",
        {
            "or": [
                {"and": [{"temperature1": {"gt": 0}}, {"temperature2": {"lt": 10}}]},
                {"not": {"temperature2": {"exists": True}}},
            ]
        },
        [2, 3],
    ),
    (
        "not-of-or",
        {"not": {"or": [{"temperature1": {"lt": 0}}, {"infoTimestamp": {"eq": TS}}]}},
        [1, 2, 5],
    ),
    (
        "and-of-or",
        {
            "and": [
                {"or": [{"temperature3": {"exists": True}}, {"temperature1": {"lt": 0}}]},
                {"or": [{"temperature2": {"exists": False}}, {"temperature1": {"lt": 15}}]},
            ]
        },
        [1, 2, 4],
    ),
    ("field-and-or", {"temperature1": {"gt": 0}, "or": [{"temperature2": {"eq": 5}}]}, [3]),
    ("not-not", {"not": {"not": {"temperature1": {"eq": 20.5}}}}, [2]),
    ("empty-condition-holds", {}, [1, 2, 3, 4, 5]),
]


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [pytest.param(f, e, id=name) for name, f, e in FILTERS],
)
def test_filter_selects_the_readings_it_describes(
    api: Api, filter_: dict[str, Any], expected: list[int]
) -> None:
    assert datacounts(api, filter=filter_) == expected


def test_filter_written_as_a_literal_selects_like_the_same_variable(api: Api) -> None:
    data = api.data(
        """{ readingsByDevice(deviceId: "f", filter: {or: [
               {temperature1: {between: [-10, 12.5]}},
               {infoTimestamp: {beginsWith: "1612526"}}]}) {
             edges { node { datacount } } } }"""
    )

    assert [e["node"]["datacount"] for e in data["readingsByDevice"]["edges"]] == [1, 4, 5]


# -- scanReadings ------------------------------------------------------------------------------

SCAN = """query ($filter: ReadingCondition) {
  scanReadings(filter: $filter, first: 100) {
    edges { node { deviceId datacount } }
    pageInfo { hasNextPage }
  }
}"""


def scanned(api: Api, filter_: dict[str, Any] | None = None) -> list[tuple[str, int]]:
    data = api.data(SCAN, {"filter": filter_})["scanReadings"]
    assert data["pageInfo"]["hasNextPage"] is False
    return sorted((e["node"]["deviceId"], e["node"]["datacount"]) for e in data["edges"])


def test_scan_returns_every_reading_of_every_device(api: Api) -> None:
    assert scanned(api) == [("f", 1), ("f", 2), ("f", 3), ("f", 4), ("f", 5), ("g", 1)]


def test_scan_with_a_filter_returns_the_matching_readings_of_every_device(api: Api) -> None:
    assert scanned(api, {"temperature1": {"gte": 25}}) == [("f", 3), ("f", 5), ("g", 1)]


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [pytest.param(f, e, id=name) for name, f, e in FILTERS if name in ("or-of-and-and-not",)],
)
def test_scan_filter_nests_like_a_device_filter(
    api: Api, filter_: dict[str, Any], expected: list[int]
) -> None:
    assert scanned(api, filter_) == [("f", n) for n in expected]


# -- Device.readings ---------------------------------------------------------------------------


def test_device_readings_take_the_same_arguments_as_readings_by_device(api: Api) -> None:
    data = api.data(
        """{ device(deviceId: "f") { deviceId readings(datacount: {gte: 2}, order: DESC,
               filter: {temperature2: {exists: true}}, first: 2) {
             edges { node { datacount } } pageInfo { hasNextPage } } } }"""
    )

    readings = data["device"]["readings"]
    assert [e["node"]["datacount"] for e in readings["edges"]] == [5, 4]
    assert readings["pageInfo"]["hasNextPage"] is True
