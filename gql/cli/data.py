"""`gql load` and `gql export-schema`: readings and the schema in and out of files."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from gql.cli.common import Commands, client, require_database, where
from gql.config import Settings
from gql.datafile import parse_readings
from gql.errors import GqlError
from gql.models import Reading
from gql.store.readings import ReadingStore


def register(commands: Commands) -> None:
    load = commands.add_parser("load", help="load readings from a data.json-style file")
    load.add_argument("file", type=Path)
    load.set_defaults(run=_load)

    export = commands.add_parser("export-schema", help="write the GraphQL schema (SDL)")
    export.add_argument("-o", "--output", type=Path, default=Path("schema.graphql"))
    export.set_defaults(run=_export_schema)


def _load(args: argparse.Namespace, settings: Settings) -> int:
    require_database(settings)
    try:
        text = args.file.read_text(encoding="utf-8")
    except OSError as exc:
        raise GqlError(f"cannot read {args.file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise GqlError(f"{args.file}: not UTF-8 text") from None
    # The whole file is validated before the first write, so a bad file changes nothing.
    readings = parse_readings(text, source=str(args.file))
    store = ReadingStore(client(settings), settings.table)
    started = time.perf_counter()
    written = _with_progress(store, readings)
    elapsed = time.perf_counter() - started
    print(
        f"loaded {written} readings from {args.file} into {settings.table} "
        f"at {where(settings)} in {elapsed:.1f} s"
    )
    return 0


def _with_progress(store: ReadingStore, readings: list[Reading]) -> int:
    from rich.progress import Progress

    if not sys.stderr.isatty():
        return store.batch_put(readings)
    with Progress(transient=True) as progress:
        task = progress.add_task("loading", total=len(readings))
        return store.batch_put(readings, progress=lambda n: progress.advance(task, n))


def _export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from gql.schema import sdl

    args.output.write_text(sdl(), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0
