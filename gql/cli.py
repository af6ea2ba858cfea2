"""The `gql` command: serve | table create/delete/describe | load | export-schema."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gql.config import Settings
from gql.datafile import parse_readings
from gql.errors import GqlError
from gql.models import Reading
from gql.store.client import DynamoDB, make_client
from gql.store.readings import ReadingStore
from gql.store.tables import Tables

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger("gql")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # botocore announces where it found credentials on every command: not news to a user.
    logging.getLogger("botocore").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
        return int(args.run(args, settings))
    except GqlError as exc:
        print(f"gql: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gql", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the GraphQL server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--backend", choices=("embedded", "aws"), help="overrides GQL_BACKEND")
    serve.set_defaults(run=_serve)

    table = commands.add_parser("table", help="create, delete or describe the table")
    actions = table.add_subparsers(required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create the table (no-op when it exists)")
    create.add_argument("--wait", action="store_true", help="wait until the table is ACTIVE")
    create.add_argument("--billing", choices=("on-demand", "provisioned"), default="on-demand")
    create.add_argument("--read-capacity", type=int, default=10, metavar="RCU")
    create.add_argument("--write-capacity", type=int, default=10, metavar="WCU")
    create.set_defaults(run=_table_create)
    delete = actions.add_parser("delete", help="delete the table and every reading in it")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(run=_table_delete)
    describe = actions.add_parser("describe", help="status, item count and key schema")
    describe.set_defaults(run=_table_describe)

    load = commands.add_parser("load", help="load readings from a data.json-style file")
    load.add_argument("file", type=Path)
    load.set_defaults(run=_load)

    export = commands.add_parser("export-schema", help="write the GraphQL schema (SDL)")
    export.add_argument("-o", "--output", type=Path, default=Path("schema.graphql"))
    export.set_defaults(run=_export_schema)
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from gql.server import serve

    return serve(settings, host=args.host, port=args.port, backend=args.backend)


def _tables(settings: Settings) -> Tables:
    _require_database(settings)
    return Tables(DynamoDB(_client(settings), settings.table))


def _client(settings: Settings) -> DynamoDBClient:
    # The server's timeouts are sized for a request; a command can wait. With a 2 s read
    # timeout a slow CreateTable was retried, and the retry reported the table as existing.
    patient = dataclasses.replace(
        settings,
        connect_timeout=max(settings.connect_timeout, 5.0),
        read_timeout=max(settings.read_timeout, 60.0),
    )
    return make_client(patient)


def _require_database(settings: Settings) -> None:
    if settings.backend == "embedded":
        raise GqlError(
            "this command needs a DynamoDB to talk to, and the embedded backend lives only inside "
            "`gql serve`. Set AWS_ENDPOINT_URL_DYNAMODB=http://localhost:8000 for DynamoDB Local, "
            "or GQL_BACKEND=aws for AWS."
        )


def _where(settings: Settings) -> str:
    return settings.endpoint_url or f"AWS {settings.region}"


def _table_create(args: argparse.Namespace, settings: Settings) -> int:
    created, info = _tables(settings).create(
        billing=args.billing,
        read_capacity=args.read_capacity,
        write_capacity=args.write_capacity,
        wait=args.wait,
    )
    verb = "created" if created else "already exists:"
    print(f"table {info.name} {verb} at {_where(settings)} (status {info.status})")
    return 0


def _table_delete(args: argparse.Namespace, settings: Settings) -> int:
    tables = _tables(settings)
    if not args.yes:
        if not sys.stdin.isatty():
            raise GqlError("refusing to delete without confirmation: pass --yes")
        answer = input(
            f"Delete table {settings.table} at {_where(settings)} and every reading in it? "
            f"Type the table name to confirm: "
        )
        if answer.strip() != settings.table:
            print("not deleted")
            return 1
    deleted = tables.delete(wait=True)
    print(f"table {settings.table} {'deleted' if deleted else 'did not exist'}")
    return 0


def _table_describe(args: argparse.Namespace, settings: Settings) -> int:
    info = _tables(settings).describe()
    print("\n".join(info.lines()))
    return 0


def _load(args: argparse.Namespace, settings: Settings) -> int:
    _require_database(settings)
    try:
        text = args.file.read_text(encoding="utf-8")
    except OSError as exc:
        raise GqlError(f"cannot read {args.file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise GqlError(f"{args.file}: not UTF-8 text") from None
    # The whole file is validated before the first write, so a bad file changes nothing.
    readings = parse_readings(text, source=str(args.file))
    store = ReadingStore(_client(settings), settings.table)
    started = time.perf_counter()
    written = _with_progress(store, readings)
    elapsed = time.perf_counter() - started
    print(
        f"loaded {written} readings from {args.file} into {settings.table} "
        f"at {_where(settings)} in {elapsed:.1f} s"
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
