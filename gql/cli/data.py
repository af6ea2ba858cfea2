"""`gql load` and `gql export-schema`: readings and the schema in and out of files."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from gql.cli.common import Commands, client, require_database, where
from gql.config import Settings
from gql.errors import GqlError
from gql.formats import Format, detect_format, iter_readings
from gql.models import Reading
from gql.store import BulkWriter, ReadingStore

# Measured on DynamoDB Local: 1 to 8 threads write 10,000 readings in about the same time;
# against AWS, where each request waits on the network, more threads in flight pay off.
DEFAULT_THREADS = 4


def register(commands: Commands) -> None:
    load = commands.add_parser(
        "load", help="load readings from a data.json-style file (a JSON array, or NDJSON)"
    )
    load.add_argument("file", type=Path)
    load.add_argument(
        "--format",
        choices=("auto", "json", "ndjson"),
        default="auto",
        help="auto: NDJSON for .ndjson/.jsonl files or text that starts with an object",
    )
    load.add_argument(
        "--threads",
        type=_positive,
        default=DEFAULT_THREADS,
        help=f"threads sending batch writes (default {DEFAULT_THREADS})",
    )
    load.set_defaults(run=_load)

    export = commands.add_parser("export-schema", help="write the GraphQL schema (SDL)")
    export.add_argument("-o", "--output", type=Path, default=Path("schema.graphql"))
    export.set_defaults(run=_export_schema)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _load(args: argparse.Namespace, settings: Settings) -> int:
    require_database(settings)
    format = _format_of(args.file, args.format)
    # A first pass validates the whole file, so that a bad file changes nothing; the second
    # writes. Both stream: memory does not grow with the file.
    total = sum(1 for _ in _readings(args.file, format))
    store = ReadingStore(client(settings), settings.table)
    started = time.perf_counter()
    written = _with_progress(BulkWriter(store, args.threads), args.file, format, total)
    elapsed = time.perf_counter() - started
    print(
        f"loaded {written} readings from {args.file} into {settings.table} "
        f"at {where(settings)} in {elapsed:.1f} s"
    )
    return 0


def _format_of(path: Path, asked: str) -> Format:
    if asked != "auto":
        return asked  # type: ignore[return-value]
    with _open(path) as stream:
        try:
            head = stream.read(4096)
        except UnicodeDecodeError:
            raise GqlError(f"{path}: not UTF-8 text") from None
    return detect_format(path.name, head)


@contextlib.contextmanager
def _open(path: Path) -> Iterator[TextIO]:
    try:
        stream = path.open(encoding="utf-8")
    except OSError as exc:
        raise GqlError(f"cannot read {path}: {exc.strerror}") from None
    with stream:
        yield stream


def _readings(path: Path, format: Format) -> Iterator[Reading]:
    with _open(path) as stream:
        yield from iter_readings(stream, source=str(path), format=format)


def _with_progress(writer: BulkWriter, path: Path, format: Format, total: int) -> int:
    from rich.progress import Progress

    if not sys.stderr.isatty():
        return writer.write(_readings(path, format))
    with Progress(transient=True) as progress:
        task = progress.add_task("loading", total=total)
        writer.progress = lambda n: progress.advance(task, n)
        return writer.write(_readings(path, format))


def _export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from gql.schema import sdl

    args.output.write_text(sdl(), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0
