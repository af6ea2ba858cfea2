"""Paging 1,000 readings of one device, 7 at a time, by readingsByDevice and by scanReadings.

The table is seeded once per backend and only read. Each walk (every page from the first,
following endCursor while hasNextPage) is made once per module and checked by several tests.

Readings 1..1000 of device "walk": temperature1 is 99.5 on datacount 500 and 1000 (a filter
that matches 1 reading in 500) and 20.0 elsewhere; temperature2 is 50.0 on every 50th
datacount (20 matches) and 10.0 elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import Api, also_serving, reading, standalone_api, store_for
from tests.conftest import BACKENDS

DEVICE = "walk"
COUNT = 1000
SIZE = 7
RARE = {"temperature1": {"gt": 90}}  # datacount 500 and 1000
EVERY_50TH = {"temperature2": {"gte": 50}}  # 20 readings
BUDGET = 50

FIELDS = "edges { cursor node { datacount } } pageInfo { hasNextPage startCursor endCursor }"
DOCUMENTS = {
    "readingsByDevice": f"""query ($after: String, $filter: ReadingCondition, $first: Int! = {SIZE})
      {{ readingsByDevice(deviceId: "{DEVICE}", filter: $filter, first: $first, after: $after)
         {{ {FIELDS} }} }}""",
    "scanReadings": f"""query ($after: String, $filter: ReadingCondition, $first: Int! = {SIZE})
      {{ scanReadings(filter: $filter, first: $first, after: $after) {{ {FIELDS} }} }}""",
}
Page = dict[str, Any]


def seed(store: ReadingStore) -> None:
    store.batch_put(
        reading(
            DEVICE,
            n,
            str(1612519200 + n),
            temperature1=99.5 if n % 500 == 0 else 20.0,
            temperature2=50.0 if n % 50 == 0 else 10.0,
        )
        for n in range(1, COUNT + 1)
    )


def walk(api: Api, field: str, filter_: dict[str, Any] | None = None) -> list[Page]:
    """Every page, from the first, following endCursor while hasNextPage."""
    pages: list[Page] = []
    after = None
    while True:
        page: Page = api.data(DOCUMENTS[field], {"after": after, "filter": filter_})[field]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        assert len(pages) <= COUNT, "paging does not end"
        after = page["pageInfo"]["endCursor"]
        assert after is not None, "hasNextPage is true but there is no endCursor"


def found(pages: list[Page]) -> list[int]:
    return [edge["node"]["datacount"] for page in pages for edge in page["edges"]]


# On moto the walks take half a minute (in-process moto scans the whole table for every page),
# and they are the same tests as on DynamoDB Local, which the default run keeps; the moto half
# runs with `make test-slow`. Paging on moto is covered by the store's tests (test_store_reads).
PARAMS = [pytest.param(b, marks=pytest.mark.slow) if b == "moto" else b for b in BACKENDS]


@pytest.fixture(scope="module", params=PARAMS)
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    with standalone_api(request.param, seed) as served:
        yield served


@pytest.fixture(scope="module")
def small_budget(api: Api) -> Iterator[Api]:
    """The same table served by an app that evaluates at most BUDGET items per page."""
    store = store_for(api.client, api.table, api.backend, read_budget=BUDGET)
    with also_serving(api, store=store, read_budget=BUDGET) as served:
        yield served


# Every walk is made once per table and is then only read: an unfiltered one takes 143 requests.
_walks: dict[tuple[str, str, str], list[Page]] = {}


def cached_walk(api: Api, field: str, filter_: dict[str, Any] | None = None) -> list[Page]:
    key = (f"{api.backend}/{api.table}/{api.store.read_budget}", field, repr(filter_))
    if key not in _walks:
        _walks[key] = walk(api, field, filter_)
    return _walks[key]


over_fields = pytest.mark.parametrize("field", list(DOCUMENTS))


# -- without a filter --------------------------------------------------------------------------


@over_fields
def test_paging_returns_every_reading_exactly_once(api: Api, field: str) -> None:
    pages = cached_walk(api, field)

    assert sorted(found(pages)) == list(range(1, COUNT + 1))


def test_paging_by_device_returns_the_readings_in_datacount_order(api: Api) -> None:
    pages = cached_walk(api, "readingsByDevice")

    assert found(pages) == list(range(1, COUNT + 1))


@over_fields
def test_every_page_is_full_but_the_last(api: Api, field: str) -> None:
    pages = cached_walk(api, field)

    sizes = [len(page["edges"]) for page in pages]

    assert sizes == [SIZE] * (COUNT // SIZE) + [COUNT % SIZE]


@over_fields
def test_has_next_page_is_false_on_the_last_page_only(api: Api, field: str) -> None:
    pages = cached_walk(api, field)

    flags = [page["pageInfo"]["hasNextPage"] for page in pages]

    assert flags == [True] * (len(pages) - 1) + [False]


@over_fields
def test_start_and_end_cursors_are_those_of_the_first_and_last_edges(api: Api, field: str) -> None:
    pages = cached_walk(api, field)

    for page in pages:
        edges, info = page["edges"], page["pageInfo"]
        assert (info["startCursor"], info["endCursor"]) == (
            edges[0]["cursor"],
            edges[-1]["cursor"],
        )


def test_has_next_page_is_false_when_the_readings_end_on_a_full_page(api: Api) -> None:
    document = """query ($after: String) { readingsByDevice(deviceId: "walk", first: 7,
        datacount: {between: [1, 14]}, after: $after) {
        edges { node { datacount } } pageInfo { hasNextPage endCursor } } }"""
    first = api.data(document)["readingsByDevice"]
    second = api.data(document, {"after": first["pageInfo"]["endCursor"]})["readingsByDevice"]

    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["datacount"] for e in second["edges"]] == list(range(8, 15))
    assert second["pageInfo"]["hasNextPage"] is False


@over_fields
def test_the_page_size_may_change_between_pages(api: Api, field: str) -> None:
    first = api.data(DOCUMENTS[field], {"first": 7})[field]
    after = first["pageInfo"]["endCursor"]

    second = api.data(DOCUMENTS[field], {"first": 20, "after": after})[field]

    assert len(second["edges"]) == 20
    assert not set(found([first])) & set(found([second]))


@over_fields
@pytest.mark.parametrize("first", [1, 100])
def test_first_takes_1_to_100_readings(api: Api, field: str, first: int) -> None:
    page = api.data(DOCUMENTS[field], {"first": first})[field]

    assert len(page["edges"]) == first


@over_fields
@pytest.mark.parametrize("first", [0, 101, -1])
def test_first_outside_1_to_100_is_bad_user_input_naming_first(
    api: Api, field: str, first: int
) -> None:
    errors = api.errors(DOCUMENTS[field], {"first": first})

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert "first" in errors[0]["message"]


@pytest.mark.parametrize("first", [0, 101])
def test_device_readings_first_outside_1_to_100_is_bad_user_input(api: Api, first: int) -> None:
    errors = api.errors(
        'query ($first: Int!) { device(deviceId: "walk") { readings(first: $first) '
        "{ edges { cursor } } } }",
        {"first": first},
    )

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert "first" in errors[0]["message"]


# -- with a filter -----------------------------------------------------------------------------


@over_fields
def test_filtered_paging_finds_each_match_exactly_once(api: Api, field: str) -> None:
    pages = cached_walk(api, field, RARE)

    assert found(pages) == [500, 1000]


@over_fields
def test_no_filtered_page_is_empty_while_has_next_page_within_the_budget(
    api: Api, field: str
) -> None:
    pages = cached_walk(api, field, RARE)

    # The default budget (1,000 items) covers the whole table: no page may come back empty
    # while promising more.
    assert all(page["edges"] for page in pages if page["pageInfo"]["hasNextPage"])


@over_fields
def test_filtered_pages_are_full_while_matches_remain(api: Api, field: str) -> None:
    pages = walk(api, field, EVERY_50TH)

    assert [len(page["edges"]) for page in pages] == [7, 7, 6]
    assert sorted(found(pages)) == list(range(50, COUNT + 1, 50))


@over_fields
def test_filtered_paging_within_a_small_budget_finds_each_match_once(
    small_budget: Api, field: str
) -> None:
    pages = cached_walk(small_budget, field, RARE)

    assert found(pages) == [500, 1000]


@over_fields
def test_a_filtered_page_evaluates_no_more_than_the_read_budget(
    small_budget: Api, field: str
) -> None:
    pages = cached_walk(small_budget, field, RARE)

    # Each page may read BUDGET items at most, so 1,000 items take at least 1000/BUDGET pages.
    assert len(pages) >= COUNT // BUDGET


@over_fields
def test_a_filtered_page_cut_short_has_spent_the_whole_read_budget(
    small_budget: Api, field: str
) -> None:
    pages = cached_walk(small_budget, field, RARE)

    # A page that came back short without spending the budget would add pages beyond
    # 1000/BUDGET (plus, on DynamoDB Local, one empty last page after the last key).
    assert len(pages) <= COUNT // BUDGET + 1


def test_read_budget_setting_limits_a_filtered_page(api: Api) -> None:
    # The app's own Settings.read_budget, with the store injected as the api fixture does.
    with also_serving(api, read_budget=BUDGET) as budgeted:
        page = budgeted.data(DOCUMENTS["readingsByDevice"], {"filter": RARE})["readingsByDevice"]

    # Datacount 500 is beyond the first BUDGET readings: the first page must stop short of it.
    assert found([page]) == []
    assert page["pageInfo"]["hasNextPage"] is True
