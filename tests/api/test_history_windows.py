"""recordedAt on readingsByDevice and Device.readings, over HTTP on moto and DynamoDB Local.

Device "win" has readings 1..200 whose timestamps are a permutation of T0 + 60 * k for k in
0..199 (k = 7n mod 200), so a window picks datacounts scattered over the partition; readings
201..203 have timestamps that are not numbers. Expected pages are worked out from the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import Api, also_serving, standalone_api
from tests.api.history_data import HISTORY_APIS, T0, Row, in_window, iso, write

DEVICE = "win"
SIZE = 7
ROWS = [
    *(
        Row(DEVICE, n, str(T0 + 60 * (7 * n % 200)), {"temperature1": str(n % 10)})
        for n in range(1, 201)
    ),
    Row(DEVICE, 201, "soon", {"temperature1": "5"}),
    Row(DEVICE, 202, "", {"temperature1": "5"}),
    Row(DEVICE, 203, None, {"temperature1": "5"}),
]
FROM, TO = T0 + 60 * 30, T0 + 60 * 170
WINDOW = {"from": iso(FROM), "to": iso(TO)}

ARGS = "datacount: $dc, filter: $f, order: $o, first: $n, after: $after, recordedAt: $at"
VARS = (
    "$dc: DatacountCondition, $f: ReadingCondition, $o: SortOrder! = ASC, $n: Int! = 7, "
    "$after: String, $at: TimeRange"
)
PAGE = "edges { node { datacount } } pageInfo { hasNextPage endCursor }"
DOCUMENTS = {
    "readingsByDevice": f'query ({VARS}) {{ readingsByDevice(deviceId: "{DEVICE}", {ARGS}) '
    f"{{ {PAGE} }} }}",
    "Device.readings": f'query ({VARS}) {{ device(deviceId: "{DEVICE}") {{ readings({ARGS}) '
    f"{{ {PAGE} }} }} }}",
}
Page = dict[str, Any]


def seed(store: ReadingStore) -> None:
    write(store.db.client, store.table, ROWS)


@pytest.fixture(scope="module", params=HISTORY_APIS)
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    backend, _, derived = str(request.param).partition("+")
    with standalone_api(backend, seed, derived=bool(derived)) as served:
        yield served


def page(api: Api, field: str, **variables: Any) -> Page:
    data: Any = api.data(DOCUMENTS[field], variables)
    result: Page = data["readingsByDevice"] if field == "readingsByDevice" else data["device"]
    return result if field == "readingsByDevice" else result["readings"]


def walk(api: Api, field: str = "readingsByDevice", **variables: Any) -> list[Page]:
    pages: list[Page] = []
    after = None
    while True:
        pages.append(page(api, field, after=after, **variables))
        if not pages[-1]["pageInfo"]["hasNextPage"]:
            return pages
        assert len(pages) <= len(ROWS), "paging does not end"
        after = pages[-1]["pageInfo"]["endCursor"]


def found(pages: list[Page]) -> list[int]:
    return [edge["node"]["datacount"] for p in pages for edge in p["edges"]]


def windowed(start: float | None = FROM, end: float | None = TO) -> list[int]:
    return [r.datacount for r in ROWS if in_window(r, start, end)]


@pytest.mark.parametrize("field", list(DOCUMENTS))
def test_a_window_pages_every_reading_in_it_exactly_once(api: Api, field: str) -> None:
    pages = walk(api, field, at=WINDOW)

    expected = windowed()
    assert len(expected) == 140
    assert found(pages) == expected
    assert [len(p["edges"]) for p in pages] == [SIZE] * 20


def test_a_window_combines_with_datacount_filter_and_order(api: Api) -> None:
    variables: dict[str, Any] = {
        "dc": {"between": [20, 180]},
        "f": {"temperature1": {"gte": 3}},
        "o": "DESC",
        "at": WINDOW,
    }

    pages = walk(api, **variables)

    expected = [
        r.datacount
        for r in ROWS
        if 20 <= r.datacount <= 180 and int(r.temperatures["temperature1"]) >= 3
        if in_window(r, FROM, TO)
    ]
    assert found(pages) == sorted(expected, reverse=True)
    assert all(len(p["edges"]) == SIZE for p in pages[:-1])


def test_a_window_within_a_small_read_budget_still_pages_every_reading_once(api: Api) -> None:
    with also_serving(api, read_budget=10) as small:
        pages = walk(small, at=WINDOW)

    assert found(pages) == windowed()
    assert any(len(p["edges"]) < SIZE for p in pages[:-1]), "the budget never cut a page"


def test_bounds_are_optional_but_a_timestamp_that_is_not_a_number_is_never_in(api: Api) -> None:
    only_from = found(walk(api, n=100, at={"from": iso(FROM)}))
    only_to = found(walk(api, n=100, at={"to": iso(TO)}))
    unbounded = found(walk(api, n=100, at={}))
    no_window = found(walk(api, n=100))

    assert only_from == windowed(FROM, None)
    assert only_to == windowed(None, TO)
    assert unbounded == list(range(1, 201))
    assert no_window == list(range(1, 204))


def test_an_empty_window_is_an_empty_last_page(api: Api) -> None:
    result = page(api, "readingsByDevice", at={"to": iso(T0)})

    assert result == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


@pytest.mark.parametrize(
    ("made_with", "used_with"),
    [
        (WINDOW, {"from": iso(FROM + 60), "to": iso(TO)}),
        (WINDOW, None),
        (None, WINDOW),
    ],
)
def test_a_cursor_made_with_another_window_is_refused(
    api: Api, made_with: Any, used_with: Any
) -> None:
    cursor = page(api, "readingsByDevice", at=made_with)["pageInfo"]["endCursor"]

    codes = api.error_codes(DOCUMENTS["readingsByDevice"], {"after": cursor, "at": used_with})

    assert codes == ["BAD_CURSOR"]


def test_a_window_that_ends_before_it_starts_is_refused(api: Api) -> None:
    errors = api.errors(DOCUMENTS["readingsByDevice"], {"at": {"from": iso(TO), "to": iso(FROM)}})

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert "recordedAt" in errors[0]["message"]
