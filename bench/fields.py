"""What each field of a long page costs, without DynamoDB: `python -m bench.fields [PATCHES]`.

Executes `scanReadings(first: 100)` (bench/plan.py's SCAN_QUERY, the full-scan figure's query)
against the schema in this process, over a store whose scan answers a page of 100 readings
held in memory, so that only the server's own work is timed: the resolver, the page's
cursors and the execution of its 1,105 fields. Each PATCH of bench/variants.py is applied in
turn, alternating with the unpatched code, and the median of each is printed, per page and
per field. Only the CPU of this process counts (time.process_time), so noise from the rest of
the machine mostly stays out.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from bench.plan import SCAN_QUERY
from bench.variants import PATCHES
from gql.config import Settings
from gql.models import Page, Reading, ReadingInfo, ReadingKey
from gql.schema import build_schema
from gql.schema.context import Context, Cursors, Services
from gql.schema.executor import Executor

# A reading's node, its 3 leaves, info and its 6 leaves; and the page's scanReadings, edges,
# pageInfo, hasNextPage and endCursor.
FIELDS_PER_PAGE = 100 * 11 + 5


class PageStore:
    """A store whose every scan is the same page of 100 readings."""

    def __init__(self) -> None:
        readings = [
            Reading(
                f"device-{n // 10:03d}",
                n,
                ReadingInfo(
                    str(1_612_519_200 + n),
                    *(Decimal(f"{20 + n % 7}.{t}5") for t in range(1, 6)),
                ),
                version=1,
            )
            for n in range(100)
        ]
        self.page = Page(readings, ReadingKey("device-009", 99), True)

    def scan(self, **_: Any) -> Page:
        return self.page


def timed(rounds: int) -> float:
    """Median CPU milliseconds of one page, over `rounds` pages."""
    settings = Settings()
    schema = build_schema(settings)
    with ThreadPoolExecutor(4) as pool:
        services = Services(
            store=PageStore(),  # type: ignore[arg-type]
            cursors=Cursors.from_settings(settings),
            executor=pool,
            request_timeout=5.0,
            read_budget=1000,
        )

        async def pages() -> list[float]:
            took = []
            for _ in range(rounds):
                started = time.process_time()
                result = await schema.execute(
                    SCAN_QUERY, {"after": None}, context_value=Context(services)
                )
                took.append((time.process_time() - started) * 1000)
                assert result.errors is None, result.errors
                assert result.data is not None
                assert len(result.data["scanReadings"]["edges"]) == 100
            return took

        return statistics.median(asyncio.run(pages()))


def main(argv: list[str]) -> int:
    names = argv or ["no-leaf-path"]
    figures: dict[str, list[float]] = {"none": [], **{name: [] for name in names}}
    plain = Executor.execute_field  # what the variants patch
    try:
        for _ in range(5):
            for name in figures:
                Executor.execute_field = plain  # type: ignore[method-assign]
                if name != "none":
                    PATCHES[name]()
                figures[name].append(timed(40))
    finally:
        Executor.execute_field = plain  # type: ignore[method-assign]
    base = statistics.median(figures["none"])
    for name, values in figures.items():
        page = statistics.median(values)
        print(
            f"{name:24} {page:7.2f} ms a page  {page * 1000 / FIELDS_PER_PAGE:6.2f} us a field"
            f"  {page / base:5.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
