"""The time budget of the DynamoDB calls of one thread, and what botocore's retries saw.

botocore retries inside a single call, sleeping between attempts; on its own it would go on
after the caller has given up. Two botocore event hooks (registered by gql/store/client.py)
read this thread's state: `stop_when_spent` refuses to send once the deadline has passed, and
`note_retry` remembers the error each retry was for and counts attempts and throttles.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

THROTTLED = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
}


class Budget:
    """How long one call may take, retries and their backoff included, and what it last saw.

    botocore retries inside a single call, sleeping between attempts; on its own it would go
    on after the caller has given up. `within(budget)` makes the calls of this thread stop
    sending once the deadline has passed, and remember the last error a retry was for, so
    the caller can tell throttling (THROTTLED) from an absent backend.
    """

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.last_error = ""

    @property
    def throttled(self) -> bool:
        return self.last_error in THROTTLED


state = threading.local()


@contextmanager
def within(budget: Budget) -> Iterator[Budget]:
    """The calls of this thread keep `budget` until the block ends; then the one before."""
    saved: Budget | None = getattr(state, "budget", None)
    state.budget = budget
    try:
        yield budget
    finally:
        state.budget = saved


class BudgetSpentError(Exception):
    pass


def note_retry(response: Any = None, caught_exception: Any = None, **_: Any) -> None:
    budget: Budget | None = getattr(state, "budget", None)
    if response is not None:
        code = response[1].get("Error", {}).get("Code", "")
        if code in THROTTLED:
            state.throttles = getattr(state, "throttles", 0) + 1
        if budget is None:
            return
        budget.last_error = code or budget.last_error
    elif caught_exception is not None and budget is not None:
        budget.last_error = type(caught_exception).__name__


def stop_when_spent(**_: Any) -> None:
    state.attempts = getattr(state, "attempts", 0) + 1
    budget: Budget | None = getattr(state, "budget", None)
    if budget is not None and time.monotonic() >= budget.deadline:
        raise BudgetSpentError
