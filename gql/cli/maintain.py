"""`gql export` and `gql migrate-legacy`: the table out to a file; legacy items made canonical."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from gql.cli.common import Commands, client, require_database, where
from gql.config import Settings
from gql.errors import GqlError
from gql.formats import FORMATS, render
from gql.models import Reading
from gql.store import DynamoDB, LegacyMigration, reading_pages


def register(commands: Commands) -> None:
    export = commands.add_parser(
        "export", help="write the table (or one device) as json, ndjson or csv"
    )
    export.add_argument("--format", choices=FORMATS, default="json")
    export.add_argument("--device", metavar="ID", help="only this device's readings")
    export.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="default: standard output"
    )
    export.set_defaults(run=_export)

    migrate = commands.add_parser(
        "migrate-legacy", help="rewrite temperatures stored as strings as numbers"
    )
    migrate.add_argument("--dry-run", action="store_true", help="count, write nothing")
    migrate.set_defaults(run=_migrate)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    require_database(settings)
    if args.device == "":
        raise GqlError("--device: must not be empty")
    db = DynamoDB(client(settings), settings.table)
    walked = _Walk()
    try:
        with _progress("exporting") as advance, _opened(args.output) as out:
            pages = reading_pages(db, device_id=args.device)
            for chunk in render(args.format, walked.readings(pages, advance)):
                out.write(chunk)
    except BrokenPipeError:
        # The reader went away (`gql export | head`): stop quietly, as other tools do.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes it at exit
        return 1
    what = f"device {args.device}" if args.device else settings.table
    target = args.output or "standard output"
    # On stderr: standard output may be the export itself.
    print(
        f"exported {walked.count} readings of {what} at {where(settings)} to {target} "
        f"as {args.format}",
        file=sys.stderr,
    )
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    require_database(settings)
    db = DynamoDB(client(settings), settings.table)
    with _progress("migrating") as advance:
        summary = LegacyMigration(db, dry_run=args.dry_run, progress=advance).run()
    prefix = "migrate-legacy (dry run, nothing written)" if args.dry_run else "migrate-legacy"
    print(f"{prefix}: {settings.table} at {where(settings)}: {summary.line(dry_run=args.dry_run)}")
    return 0


class _Walk:
    """Readings of pages, one at a time, counted and reported to a progress bar."""

    def __init__(self) -> None:
        self.count = 0

    def readings(
        self, pages: Iterator[list[Reading]], advance: Callable[[int], None]
    ) -> Iterator[Reading]:
        for page in pages:
            yield from page
            self.count += len(page)
            advance(len(page))


@contextlib.contextmanager
def _opened(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    # Written beside the target and renamed at the end: an export cut short by an error
    # leaves no file that looks complete.
    partial = path.with_name(path.name + ".partial")
    try:
        # newline="": the csv rows carry their own line ends.
        with partial.open("w", encoding="utf-8", newline="") as out:
            yield out
        partial.replace(path)
    except OSError as exc:
        raise GqlError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)


@contextlib.contextmanager
def _progress(what: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; the table's size is not known ahead."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns: list[Any] = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} readings"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(what, total=None)
        yield lambda n: progress.advance(task, n)
