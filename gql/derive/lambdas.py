"""`gql.derive.lambda_handler`: the consumer as an AWS Lambda function on the table's stream.

The event source mapping (DynamoDB Streams, with FunctionResponseTypes ReportBatchItemFailures)
delivers a shard's records in order, retries a batch that failed, and keeps the leases and the
positions: nothing here is checkpointed. Each record is parsed; the batch is derived as the
consumer derives one (gql/derive/batch.py); the handler answers the records that could not be
handled, by sequence number: a record that is not a reading's, or one of a device that could
not be recomputed. Lambda then retries from the first of them (deriving what came after again
is harmless), splits the batch when BisectBatchOnFunctionError is on, and after
MaximumRetryAttempts sends the record to the on-failure destination. The README gives settings.

The clients are made on the first invocation (none at import time) and reused while the
execution environment lives. Settings come from the environment, as for `gql derive`.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from gql.config import Settings
from gql.derive.batch import BatchDeriver
from gql.derive.consumer import Sink
from gql.derive.wiring import relay_for
from gql.models import Change
from gql.store import DynamoDB, HistoryTable, Status, StreamRecord, make_client, record_of

log = logging.getLogger("gql.derive")

# DynamoDB gives ApproximateCreationDateTime in whole seconds (DynamoDB Local: minutes): a
# change of the same second may still be on its way in another batch.
CREATION_PRECISION = 1.0


@dataclass
class Runtime:
    deriver: BatchDeriver
    history: HistoryTable
    sink: Sink | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        client = make_client(settings)
        pool = ThreadPoolExecutor(settings.derive_threads, thread_name_prefix="derive")
        readings = DynamoDB(client, settings.table)
        history = DynamoDB(client, settings.history_name)
        sink = relay_for(settings)
        return cls(BatchDeriver(readings, history, pool), HistoryTable(history), sink)


_runtime: Runtime | None = None


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's entry point for a DynamoDB Streams event source mapping."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime.from_settings(Settings.from_env())
    return handle(event, _runtime)


def handle(event: dict[str, Any], runtime: Runtime) -> dict[str, Any]:
    failures: list[str] = []
    parsed: list[tuple[str, StreamRecord, float]] = []
    for raw in event.get("Records", []):
        data = raw.get("dynamodb") if isinstance(raw, dict) else None
        sequence = str(data.get("SequenceNumber", "")) if isinstance(data, dict) else ""
        try:
            record = record_of(raw)
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
            log.warning("derive: record %s is not a reading's; reported as failed", sequence)
            failures.append(sequence)
            continue
        parsed.append((sequence, record, record.change.changed_at))
    failed_devices: set[str] = set()
    if parsed:
        try:
            outcome = runtime.deriver.derive([record for _, record, _ in parsed])
            failed_devices = set(outcome.failed)
        except Exception:
            log.exception("derive: the batch failed")
            failed_devices = {record.change.key.device_id for _, record, _ in parsed}
    done = [(s, r, t) for s, r, t in parsed if r.change.key.device_id not in failed_devices]
    failures += [s for s, r, _ in parsed if r.change.key.device_id in failed_devices]
    if runtime.sink is not None:
        changes: list[Change] = [r.change for _, r, _ in done if not r.index_only]
        if changes:
            runtime.sink(changes)
    if done and not failures:
        newest = max(t for _, _, t in done)
        runtime.history.report(
            Status("lambda", newest - CREATION_PRECISION, 0, time.time(), consuming=True)
        )
    return {"batchItemFailures": [{"itemIdentifier": s} for s in failures]}
