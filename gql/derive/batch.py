"""One batch of changes derived: the index fixed, then every touched device recomputed.

Devices are recomputed at once on a pool of threads (each one is independent of the others);
a device that fails is reported, with its error, so that the Lambda handler can name the
records it came from and the consumer can read the batch again. A consumer that reads every
shard passes a PeriodCache (gql/store/periodcache.py): each batch's changes are applied to it
before the devices are recomputed, and it spares them the index reads of the periods it keeps.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

from gql.derive.plan import plan_batch
from gql.store import Deriver, DynamoDB, PeriodCache, StreamRecord, fix_index

log = logging.getLogger("gql.derive")


@dataclass
class Outcome:
    devices: int = 0  # devices recomputed
    written: int = 0  # history items written
    failed: dict[str, Exception] = field(default_factory=dict)  # device id -> why


class BatchDeriver:
    """Derives batches of stream records into the history table."""

    def __init__(
        self,
        readings: DynamoDB,
        history: DynamoDB,
        executor: Executor,
        *,
        periods: PeriodCache | None = None,
    ) -> None:
        self.readings = readings
        self.deriver = Deriver(readings, history, periods=periods)
        self.executor = executor

    def derive(self, records: Sequence[StreamRecord]) -> Outcome:
        """Fix the index and recompute the touched devices; raises if the fixes fail."""
        plan = plan_batch(records)
        if self.deriver.periods is not None:
            self.deriver.periods.apply(records)
        if plan.fixes:
            plan.forget(fix_index(self.readings, plan.fixes))
        self.deriver.stored.prefetch(plan.devices)
        outcome = Outcome(devices=len(plan.devices))
        futures = {
            device: self.executor.submit(self.deriver.recompute, work)
            for device, work in plan.devices.items()
        }
        for device, future in futures.items():
            error = future.exception()
            if error is None:
                outcome.written += future.result()
            elif isinstance(error, Exception):
                log.warning("deriving device %r failed: %s", device, error)
                outcome.failed[device] = error
            else:
                raise error
        return outcome

    def forget(self) -> None:
        """The records derived so far may be read again, or some were lost: forget the kept
        periods (the next recomputations read the index)."""
        if self.deriver.periods is not None:
            self.deriver.periods.forget()
