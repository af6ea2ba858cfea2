"""`gql derive` (the consumer, long-running) and `gql derive rebuild [--device ID]`."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any

from gql.cli.common import Commands, client, require_database, where
from gql.config import Settings
from gql.errors import GqlError
from gql.store import DynamoDB, Tables

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def register(commands: Commands) -> None:
    derive = commands.add_parser(
        "derive",
        help="keep the time index, rollups and device registry from the table's stream",
        description=(
            "Reads the table's stream and keeps, in the history table, what devices, stats and "
            "series read: the time index attribute, the rollups and the device registry. Runs "
            "until SIGTERM or Ctrl-C; a restart resumes after its last checkpoint."
        ),
    )
    derive.set_defaults(run=_consume)
    actions = derive.add_subparsers(metavar="ACTION")
    rebuild = actions.add_parser(
        "rebuild",
        help="recompute the index attribute, rollups and registry from the readings",
        description=(
            "Reads every reading (or one device's) and recomputes what `gql derive` keeps, for "
            "tables that had readings before it ran. Safe beside a running `gql derive`, and "
            "a second run writes nothing."
        ),
    )
    rebuild.add_argument("--device", metavar="ID", help="only this device")
    rebuild.set_defaults(run=_rebuild)


def _consume(args: argparse.Namespace, settings: Settings) -> int:
    from gql.derive import consumer_for

    require_database(settings)
    dynamodb = client(settings)
    check_tables(settings, dynamodb)
    consumer = consumer_for(settings, dynamodb)
    print(
        f"gql: deriving the history of table {settings.table} into {settings.history_name} at "
        f"{where(settings)}; stop with Ctrl-C or SIGTERM",
        flush=True,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        consumer.run(stop)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    print(f"gql: derive stopped after {consumer.changes} changes", flush=True)
    return 0


def check_tables(settings: Settings, dynamodb: DynamoDBClient) -> None:
    """Say at once what is missing, rather than retrying for ever."""
    tables = Tables(DynamoDB(dynamodb, settings.table), history=settings.history_name)
    if tables.describe().index is None:
        raise GqlError(
            f"table {settings.table} has no time index: add it with `gql table index on`"
        )
    if tables.describe_history().status == "missing":
        raise GqlError(
            f"the history table {settings.history_name} does not exist: make it with "
            "`gql table create`"
        )


def _rebuild(args: argparse.Namespace, settings: Settings) -> int:
    from gql.derive import rebuild

    require_database(settings)
    if args.device == "":
        raise GqlError("--device: must not be empty")
    check_tables(settings, client(settings))
    started = time.perf_counter()
    with _progress() as advance:
        summary = rebuild(settings, client(settings), device_id=args.device, progress=advance)
    what = f"device {args.device} of {settings.table}" if args.device else settings.table
    seconds = time.perf_counter() - started
    print(
        f"rebuilt the history of {what} at {where(settings)} in {seconds:.1f} s: "
        f"{summary.readings} readings ({summary.fixed} given their time index), "
        f"{summary.devices} devices, {summary.months} device-months, "
        f"{summary.written} history items written"
    )
    return 0


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[str, int], None]]:
    """Two bars on a terminal: readings read, then device-months derived."""
    if not sys.stderr.isatty():
        yield lambda phase, n: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns: list[Any] = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed}"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        tasks = {
            "read": progress.add_task("readings read", total=None),
            "month": progress.add_task("device-months derived", total=None),
        }
        yield lambda phase, n: progress.advance(tasks[phase], n)
