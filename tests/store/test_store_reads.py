"""Reads through the store: query, scan, paging, read budgets, batch_get and latest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from gql.errors import TableNotFoundError
from gql.models import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    DatacountRange,
    Not,
    Order,
    Page,
    Reading,
    ReadingInfo,
    ReadingKey,
)
from gql.store.readings import ReadingStore
from tests.conftest import BACKENDS, table_on

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

HOT = Compare("temperature1", "gt", Decimal(50))


def reading(device_id: str, datacount: int, temperature1: int = 20) -> Reading:
    """Readings 1..10 of a device: timestamps 100 s apart, temperature2 on even counts only."""
    info = ReadingInfo(
        str(1612519200 + 100 * datacount),
        temperature1=Decimal(temperature1),
        temperature2=Decimal("0.5") if datacount % 2 == 0 else None,
    )
    return Reading(device_id, datacount, info, version=1)


def counts(readings: list[Reading]) -> list[int]:
    return [r.datacount for r in readings]


def every_page(fetch: Callable[[ReadingKey | None], Page]) -> list[Page]:
    """Pages from the first, following `resume` while there are more."""
    pages = [fetch(None)]
    while pages[-1].has_more:
        assert pages[-1].resume is not None
        assert len(pages) < 100, "paging does not end"
        pages.append(fetch(pages[-1].resume))
    return pages


@pytest.fixture
def ten(store: ReadingStore) -> ReadingStore:
    """Device d1 with datacount 1..10 (temperature1 = datacount), and a neighbour d2."""
    store.batch_put(reading("d1", n, temperature1=n) for n in range(1, 11))
    store.batch_put(reading("d2", n, temperature1=n) for n in range(1, 11))
    return store


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (None, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        (DatacountRange("eq", 3), [3]),
        (DatacountRange("lt", 3), [1, 2]),
        (DatacountRange("lte", 3), [1, 2, 3]),
        (DatacountRange("gt", 8), [9, 10]),
        (DatacountRange("gte", 8), [8, 9, 10]),
        (DatacountRange("between", (4, 6)), [4, 5, 6]),
        (DatacountRange("between", (5, 5)), [5]),
        (DatacountRange("eq", 11), []),
    ],
    ids=["all", "eq", "lt", "lte", "gt", "gte", "between", "between-one", "eq-none"],
)
def test_query_selects_the_datacount_range(
    ten: ReadingStore, span: DatacountRange | None, expected: list[int]
) -> None:
    assert counts(ten.query("d1", span=span, first=100).readings) == expected


def test_query_returns_whole_readings_of_one_device(ten: ReadingStore) -> None:
    page = ten.query("d2", span=DatacountRange("eq", 4))

    assert page == Page([reading("d2", 4, temperature1=4)], resume=None, has_more=False)


def test_query_of_an_unknown_device_is_an_empty_last_page(ten: ReadingStore) -> None:
    assert ten.query("d9") == Page([], resume=None, has_more=False)


def test_query_in_descending_order(ten: ReadingStore) -> None:
    page = ten.query("d1", span=DatacountRange("lte", 4), order=Order.DESC)

    assert counts(page.readings) == [4, 3, 2, 1]


def test_consistent_query_sees_the_reading_just_written(store: ReadingStore) -> None:
    store.put(ReadingKey("d1", 1), ReadingInfo("1612519200"))

    assert counts(store.query("d1", consistent=True).readings) == [1]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Compare("temperature1", "eq", Decimal(3)), [3]),
        (Compare("temperature1", "ne", Decimal(3)), [1, 2, 4, 5, 6, 7, 8, 9, 10]),
        (Compare("temperature1", "lt", Decimal(3)), [1, 2]),
        (Compare("temperature1", "lte", Decimal(3)), [1, 2, 3]),
        (Compare("temperature1", "gt", Decimal(8)), [9, 10]),
        (Compare("temperature1", "gte", Decimal("8.0")), [8, 9, 10]),
        (Compare("temperature1", "between", (Decimal("3.5"), Decimal(6))), [4, 5, 6]),
        (Compare("info_timestamp", "gte", "1612520000"), [8, 9, 10]),
        (Compare("info_timestamp", "begins_with", "161252"), [8, 9, 10]),
        (Compare("temperature2", "exists", True), [2, 4, 6, 8, 10]),
        (Compare("temperature2", "exists", False), [1, 3, 5, 7, 9]),
        (Compare("temperature3", "exists", True), []),
        (
            AllOf(
                (
                    Compare("temperature1", "gt", Decimal(2)),
                    Compare("temperature1", "lt", Decimal(5)),
                )
            ),
            [3, 4],
        ),
        (
            AnyOf(
                (
                    Compare("temperature1", "lt", Decimal(2)),
                    Compare("temperature1", "gt", Decimal(9)),
                )
            ),
            [1, 10],
        ),
        (Not(Compare("temperature1", "lte", Decimal(8))), [9, 10]),
        (
            AllOf(
                (
                    Compare("temperature2", "exists", True),
                    Not(
                        AnyOf(
                            (
                                Compare("temperature1", "eq", Decimal(4)),
                                Compare("temperature1", "eq", Decimal(8)),
                            )
                        )
                    ),
                )
            ),
            [2, 6, 10],
        ),
    ],
    ids=[
        "eq",
        "ne",
        "lt",
        "lte",
        "gt",
        "gte",
        "between",
        "string-gte",
        "begins-with",
        "exists",
        "not-exists",
        "exists-none",
        "and",
        "or",
        "not",
        "nested",
    ],
)
def test_query_filter_keeps_the_matching_readings(
    ten: ReadingStore, condition: Condition, expected: list[int]
) -> None:
    assert counts(ten.query("d1", filter=condition, first=100).readings) == expected


def test_filtered_query_reads_on_until_the_page_is_full(store: ReadingStore) -> None:
    store.batch_put(reading("d", n, 99 if n % 10 == 0 else 20) for n in range(1, 101))

    page = store.query("d", filter=HOT, first=3)

    assert (counts(page.readings), page.resume, page.has_more, page.budget_spent) == (
        [10, 20, 30],
        ReadingKey("d", 30),
        True,
        False,
    )


def test_filtered_query_resumes_after_the_last_reading_of_its_page(store: ReadingStore) -> None:
    store.batch_put(reading("d", n, 99 if n % 10 == 0 else 20) for n in range(1, 101))

    page = store.query("d", filter=HOT, first=3, after=ReadingKey("d", 30))

    assert counts(page.readings) == [40, 50, 60]


@pytest.mark.parametrize(
    ("total", "sizes", "more"),
    [
        (30, [7, 7, 7, 7, 2], [True, True, True, True, False]),
        (28, [7, 7, 7, 7], [True, True, True, False]),
        (7, [7], [False]),
        (8, [7, 1], [True, False]),
        (0, [0], [False]),
    ],
)
def test_paging_without_a_filter_has_exact_has_more(
    store: ReadingStore, total: int, sizes: list[int], more: list[bool]
) -> None:
    store.batch_put(reading("d", n) for n in range(1, total + 1))

    pages = every_page(lambda after: store.query("d", first=7, after=after))

    assert ([len(p.readings) for p in pages], [p.has_more for p in pages]) == (sizes, more)


def test_paging_visits_every_reading_once_in_order(store: ReadingStore) -> None:
    store.batch_put(reading("d", n) for n in range(1, 31))

    pages = every_page(lambda after: store.query("d", first=7, after=after, consistent=True))

    assert [n for p in pages for n in counts(p.readings)] == list(range(1, 31))


def test_page_resumes_after_its_last_reading(store: ReadingStore) -> None:
    store.batch_put(reading("d", n) for n in range(1, 31))

    assert store.query("d", first=7).resume == ReadingKey("d", 7)


def test_paging_in_descending_order_visits_every_reading_once(store: ReadingStore) -> None:
    store.batch_put(reading("d", n) for n in range(1, 31))

    pages = every_page(lambda after: store.query("d", order=Order.DESC, first=7, after=after))

    assert [n for p in pages for n in counts(p.readings)] == list(range(30, 0, -1))


@pytest.fixture(scope="module", params=BACKENDS)
def sparse(request: pytest.FixtureRequest) -> Iterator[ReadingStore]:
    """1500 readings of device d of which 3 (datacount 250, 750, 1250) are hot; budget 100.

    Alone in its table, written once per backend: the tests that take it only read."""
    with table_on(request.param) as (client, table):
        store = ReadingStore(client, table, read_budget=100, sleep=lambda _: None)
        store.batch_put(reading("d", n, 99 if n % 500 == 250 else 20) for n in range(1, 1501))
        yield store


def test_filtered_page_is_returned_short_when_the_read_budget_is_spent(
    sparse: ReadingStore,
) -> None:
    assert sparse.query("d", filter=HOT, first=5) == Page(
        [], resume=ReadingKey("d", 100), has_more=True, budget_spent=True
    )


def test_following_spent_budgets_yields_every_match_exactly_once(sparse: ReadingStore) -> None:
    pages = every_page(lambda after: sparse.query("d", filter=HOT, first=5, after=after))

    assert [n for p in pages for n in counts(p.readings)] == [250, 750, 1250]


def test_only_a_spent_budget_makes_a_page_short_while_more_remain(sparse: ReadingStore) -> None:
    pages = every_page(lambda after: sparse.query("d", filter=HOT, first=5, after=after))

    assert [p for p in pages if p.has_more and len(p.readings) < 5 and not p.budget_spent] == []


def test_scanned_pages_hold_every_reading_exactly_once(ten: ReadingStore) -> None:
    pages = every_page(lambda after: ten.scan(first=7, after=after))

    keys = [r.key for p in pages for r in p.readings]
    assert sorted(keys) == [ReadingKey(d, n) for d in ("d1", "d2") for n in range(1, 11)]
    assert len(keys) == 20


def test_scan_pages_have_exact_has_more(ten: ReadingStore) -> None:
    pages = every_page(lambda after: ten.scan(first=7, after=after))

    assert [(len(p.readings), p.has_more) for p in pages] == [
        (7, True),
        (7, True),
        (6, False),
    ]


def test_scan_filter_keeps_the_matching_readings_of_every_device(ten: ReadingStore) -> None:
    page = ten.scan(filter=Compare("temperature1", "gt", Decimal(8)), first=100)

    assert sorted(r.key for r in page.readings) == [
        ReadingKey("d1", 9),
        ReadingKey("d1", 10),
        ReadingKey("d2", 9),
        ReadingKey("d2", 10),
    ]


def test_filtered_scan_stops_when_the_read_budget_is_spent(sparse: ReadingStore) -> None:
    page = sparse.scan(filter=HOT, first=5)

    assert (page.has_more, page.budget_spent, len(page.readings) < 5) == (True, True, True)


def test_filtered_scan_following_spent_budgets_yields_every_match_once(
    sparse: ReadingStore,
) -> None:
    pages = every_page(lambda after: sparse.scan(filter=HOT, first=5, after=after))

    assert sorted(n for p in pages for n in counts(p.readings)) == [250, 750, 1250]


def test_batch_get_returns_the_readings_found_by_key(ten: ReadingStore) -> None:
    wanted = [ReadingKey("d1", 2), ReadingKey("d2", 9)]

    assert ten.batch_get(wanted) == {
        ReadingKey("d1", 2): reading("d1", 2, temperature1=2),
        ReadingKey("d2", 9): reading("d2", 9, temperature1=9),
    }


def test_batch_get_leaves_out_missing_keys(ten: ReadingStore) -> None:
    found = ten.batch_get([ReadingKey("d1", 2), ReadingKey("d1", 11), ReadingKey("d9", 1)])

    assert list(found) == [ReadingKey("d1", 2)]


def test_batch_get_accepts_a_key_twice(ten: ReadingStore) -> None:
    assert list(ten.batch_get([ReadingKey("d1", 2), ReadingKey("d1", 2)])) == [ReadingKey("d1", 2)]


def test_batch_get_of_more_than_100_keys_finds_them_all(store: ReadingStore) -> None:
    store.batch_put(reading("d", n) for n in range(1, 251))

    found = store.batch_get(ReadingKey("d", n) for n in range(1, 251))

    assert sorted(found) == [ReadingKey("d", n) for n in range(1, 251)]


def test_batch_get_of_no_keys_is_empty(store: ReadingStore) -> None:
    assert store.batch_get([]) == {}


def test_latest_is_the_reading_with_the_highest_datacount(ten: ReadingStore) -> None:
    assert ten.latest("d1") == reading("d1", 10, temperature1=10)


def test_latest_of_an_unknown_device_is_none(ten: ReadingStore) -> None:
    assert ten.latest("d9") is None


def test_reading_a_table_that_does_not_exist_raises_table_not_found(
    client: DynamoDBClient,
) -> None:
    store = ReadingStore(client, "NoSuchTable", sleep=lambda _: None)

    with pytest.raises(TableNotFoundError):
        store.get(ReadingKey("d1", 1))
