"""Two recomputations of one device at once (Lambda on several shards, a consumer beside a
rebuild), interleaved at the worst moment: one has read the stored rollups and not yet written,
while the other changes them. On moto and DynamoDB Local.

`Meanwhile` runs the other writer's whole batch at the first read of the time index, i.e.
after the first writer read the stored rollups and before it writes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from gql.derive.batch import BatchDeriver
from gql.models import InfoPatch, ReadingKey
from gql.store import DynamoDB, record_of
from gql.store.timeindex import INDEX
from tests.derive.conftest import Setup

T0 = 1_612_519_200  # 2021-02-05T10:00:00Z


class Meanwhile(DynamoDB):
    """DynamoDB that runs `other` once, just before the first query of the time index."""

    def __init__(self, db: DynamoDB, other: Callable[[], None]) -> None:
        super().__init__(db.client, db.table, lock=db._lock)  # type: ignore[arg-type]
        self.other: Callable[[], None] | None = other

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        if operation == "query" and params.get("IndexName") == INDEX and self.other is not None:
            other, self.other = self.other, None
            other()
        return super().call(operation, **params)


def first_writer(setup: Setup, pool: ThreadPoolExecutor, other: Callable[[], None]) -> BatchDeriver:
    """A deriver of its own (its own kept rollups, as another process has), interrupted."""
    first = BatchDeriver(setup.deriver.readings, setup.deriver.deriver.rollups.db, pool)
    first.deriver.readings = Meanwhile(setup.deriver.readings, other)
    return first


def derive(deriver: BatchDeriver, records: list[dict[str, Any]]) -> None:
    assert deriver.derive([record_of(r) for r in records]).failed == {}


def set_temperature(setup: Setup, datacount: int, value: str) -> None:
    key = ReadingKey("race", datacount)
    patch = InfoPatch(set={"temperature1": Decimal(value)})
    setup.recorder.write(key, lambda: setup.store.update(key, patch))


def test_a_parent_left_as_it_was_by_the_other_writer_is_still_recombined(setup: Setup) -> None:
    # One reading in each of four 5-minute periods of the hour 10:00: 3, 5, 8 and 9 degrees.
    for n, (minute, degrees) in enumerate([(1, "3"), (11, "5"), (21, "8"), (31, "9")], start=1):
        setup.put("race", n, str(T0 + 60 * minute), degrees)
    setup.derive(setup.recorder.take())
    setup.recorder.delete(ReadingKey("race", 1))  # the hour's minimum
    first_batch = setup.recorder.take()

    def other() -> None:
        # 5 -> 7 and 8 -> 6: the hour's count, sum, min and max stay as they were, so its
        # rollup is the same; but without the 3, its minimum is now 6, not 5.
        set_temperature(setup, 2, "7")
        set_temperature(setup, 3, "6")
        setup.derive(setup.recorder.take())

    with ThreadPoolExecutor(2) as pool:
        first = first_writer(setup, pool, other)
        derive(first, first_batch)

    setup.check()
    assert first.deriver.conflicts >= 1  # the first writer lost the race, and recomputed


def test_a_rollup_emptied_and_filled_again_meanwhile_is_no_rollup_unchanged(
    setup: Setup,
) -> None:
    setup.put("race", 1, str(T0 + 60), "3")
    setup.derive(setup.recorder.take())
    setup.put("race", 2, str(T0 + 960), "5")  # 10:16, another 5-minute period of the hour
    first_batch = setup.recorder.take()

    def other() -> None:
        # The hour loses its only reading (its rollup is emptied), then gets one again, with
        # another temperature: the stored hour goes back to the shape the first writer read.
        setup.recorder.delete(ReadingKey("race", 1))
        setup.derive(setup.recorder.take())
        setup.put("race", 1, str(T0 + 60), "4")
        setup.derive(setup.recorder.take())

    with ThreadPoolExecutor(2) as pool:
        first = first_writer(setup, pool, other)
        derive(first, first_batch)

    setup.check()
    assert first.deriver.conflicts >= 1
