"""Stats and chart series of one device, summed by the server from its own Query pages.

Only what the figures need is read (ProjectionExpression): the key, the five temperatures
and, when there is a time window, the timestamp. `first` and `last` are keys here; the schema
fetches those two readings whole, by key, only when a client asks for them.

Two budgets bound a walk. Items: at most `budget` readings are evaluated (DynamoDB's
ScannedCount, as for a filtered page), plus one probe to tell "more left" from "exactly
used up". Time: the first request asks for FIRST_PAGE readings; how long it took sets how
many the next request may ask for so that the walk ends before `deadline`. The walk stops
between requests, never inside one, and reports why it stopped (`Cut`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from gql.history import Bucket, Buckets, Figures, Tally, TimeWindow
from gql.models import TEMPERATURES, Condition, DatacountRange, Reading
from gql.store.client import DynamoDB
from gql.store.codec import from_item
from gql.store.expressions import Expressions, condition_expression, key_condition_expression
from gql.store.windows import index_params

FIRST_PAGE = 500
# Share of the time left that the next request may plan to use: DynamoDB's pace varies.
TIME_SAFETY = 0.5


class Cut(Enum):
    """Why a walk stopped before the last reading."""

    BUDGET = "budget"
    TIME = "time"


@dataclass(frozen=True)
class Stats:
    figures: Figures
    cut: Cut | None

    @property
    def complete(self) -> bool:
        return self.cut is None


@dataclass(frozen=True)
class Series:
    buckets: list[Bucket]
    cut: Cut | None


class History:
    def __init__(
        self, db: DynamoDB, *, budget: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if budget < 1:
            raise ValueError("the history read budget must be at least 1")
        self.db = db
        self.budget = budget
        self._clock = clock

    def stats(
        self,
        device_id: str,
        *,
        deadline: float,
        span: DatacountRange | None = None,
        window: TimeWindow | None = None,
        filter: Condition | None = None,
        indexed: bool = False,
    ) -> Stats:
        tally = Tally()

        def consume(reading: Reading) -> None:
            if window is None or window.holds(reading):
                tally.add(reading)

        params = self._params(
            device_id,
            span,
            filter,
            timestamps=window is not None,
            window=window if indexed else None,
        )
        cut = self._walk(params, deadline, consume)
        return Stats(tally.figures(), cut)

    def series(
        self,
        device_id: str,
        *,
        deadline: float,
        start: Decimal,
        end: Decimal,
        seconds: int,
        span: DatacountRange | None = None,
        filter: Condition | None = None,
        indexed: bool = False,
    ) -> Series:
        buckets = Buckets(start, end, seconds)
        window = TimeWindow(start, end) if indexed else None
        params = self._params(device_id, span, filter, timestamps=True, window=window)
        cut = self._walk(params, deadline, buckets.add)
        return Series(buckets.result(), cut)

    def _params(
        self,
        device_id: str,
        span: DatacountRange | None,
        filter: Condition | None,
        *,
        timestamps: bool,
        window: TimeWindow | None = None,
    ) -> dict[str, Any]:
        # With a window and the time index, only the window is read (gql/store/windows.py).
        ex = Expressions()
        fields = [*TEMPERATURES, "info_timestamp"] if timestamps else list(TEMPERATURES)
        projection = [ex.name("device_id"), ex.name("datacount")]
        projection += [ex.path("info", name) for name in fields]
        if window is not None:
            params = index_params(self.db, device_id, window, ex, span=span, filter=filter)
            params["ProjectionExpression"] = ", ".join(projection)
            params.update(ex.request())
            return params
        params = {
            "TableName": self.db.table,
            "KeyConditionExpression": key_condition_expression(device_id, span, ex),
            "ProjectionExpression": ", ".join(projection),
        }
        if filter is not None:
            params["FilterExpression"] = condition_expression(filter, ex)
        params.update(ex.request())
        return params

    def _walk(
        self, params: dict[str, Any], deadline: float, consume: Callable[[Reading], object]
    ) -> Cut | None:
        began = self._clock()
        evaluated = 0
        limit = min(FIRST_PAGE, self.budget)
        request = dict(params)
        while True:
            request["Limit"] = limit
            response = self.db.call("query", **request)
            evaluated += int(response.get("ScannedCount", 0))
            for item in response.get("Items", []):
                consume(from_item(item))
            start = response.get("LastEvaluatedKey")
            if start is None:
                return None
            request["ExclusiveStartKey"] = start
            left = self.budget - evaluated
            if left <= 0:
                return Cut.BUDGET if self._more(request) else None
            now = self._clock()
            pace = evaluated / max(now - began, 1e-6)
            affordable = pace * (deadline - now) * TIME_SAFETY
            if affordable < 1:
                return Cut.TIME
            limit = int(min(left, affordable))

    def _more(self, request: dict[str, Any]) -> bool:
        # DynamoDB answers a LastEvaluatedKey whenever Limit was reached, even at the very
        # end: one reading more tells whether anything is left. It is not counted.
        response = self.db.call("query", **dict(request, Limit=1))
        return int(response.get("ScannedCount", 0)) > 0
