"""`gql table create | delete | describe | stream on|off | index on`: both tables of the API."""

from __future__ import annotations

import argparse
import sys

from gql.cli.common import Commands, client, require_database, where
from gql.config import Settings
from gql.errors import GqlError
from gql.store import STREAM_VIEW, DynamoDB, IndexOutcome, StreamOutcome, TableInfo, Tables


def register(commands: Commands) -> None:
    table = commands.add_parser(
        "table", help="create, delete or describe the table and its history table; stream, index"
    )
    actions = table.add_subparsers(required=True, metavar="ACTION")
    create = actions.add_parser(
        "create", help="create the table and its history table (no-op for what exists)"
    )
    create.add_argument("--wait", action="store_true", help="wait until the table is ACTIVE")
    create.add_argument("--billing", choices=("on-demand", "provisioned"), default="on-demand")
    create.add_argument("--read-capacity", type=int, default=10, metavar="RCU")
    create.add_argument("--write-capacity", type=int, default=10, metavar="WCU")
    create.set_defaults(run=_create)
    delete = actions.add_parser(
        "delete", help="delete the table, every reading in it, and its history table"
    )
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(run=_delete)
    describe = actions.add_parser("describe", help="status, item count, key schema and stream")
    describe.set_defaults(run=_describe)
    stream = actions.add_parser(
        "stream",
        help="turn the table's stream on or off (live changes need it on)",
        description=(
            f"`on` gives the table a stream of {STREAM_VIEW}; a stream of another view type "
            "is turned off and on again, which starts a new stream. `off` ends live changes."
        ),
    )
    stream.add_argument("state", choices=("on", "off"))
    stream.set_defaults(run=_stream)
    index = actions.add_parser(
        "index",
        help="add the time index to a table that existed before (recordedAt windows use it)",
        description=(
            "`on` adds the global secondary index on (device_id, recorded_at) and waits until "
            "DynamoDB has built it. Readings written by this API carry recorded_at; for the "
            "others (the tutorial's scripts, other tools) run `gql derive rebuild` once, and "
            "keep `gql derive` running."
        ),
    )
    index.add_argument("state", choices=("on",))
    index.set_defaults(run=_index)


def _tables(settings: Settings) -> Tables:
    require_database(settings)
    return Tables(DynamoDB(client(settings), settings.table), history=settings.history_name)


def _create(args: argparse.Namespace, settings: Settings) -> int:
    tables = _tables(settings)
    had_history = tables.describe_history().status != "missing"
    created, info = tables.create(
        billing=args.billing,
        read_capacity=args.read_capacity,
        write_capacity=args.write_capacity,
        wait=args.wait,
    )
    verb = "created" if created else "already exists:"
    print(f"table {info.name} {verb} at {where(settings)} (status {info.status})")
    print(info.stream_lines()[0])  # a table that existed may have no stream
    print(info.index_line())
    print(*tables.describe_history().lines(), sep="\n")
    if not created and not had_history:
        # Its readings are older than the history: only a rebuild derives them.
        print(
            f"history table {settings.history_name} created for a table that has readings: "
            "run `gql table index on` if it has no time index, then `gql derive rebuild`"
        )
    return 0


def _delete(args: argparse.Namespace, settings: Settings) -> int:
    tables = _tables(settings)
    if not args.yes:
        if not sys.stdin.isatty():
            raise GqlError("refusing to delete without confirmation: pass --yes")
        answer = input(
            f"Delete table {settings.table} at {where(settings)}, every reading in it, and its "
            f"history table {settings.history_name}? "
            f"Type the table name to confirm: "
        )
        if answer.strip() != settings.table:
            print("not deleted")
            return 1
    deleted = tables.delete(wait=True)
    print(
        f"table {settings.table} {'deleted' if deleted else 'did not exist'}; "
        f"history table {settings.history_name} deleted if it existed"
    )
    return 0


def _describe(args: argparse.Namespace, settings: Settings) -> int:
    tables = _tables(settings)
    print("\n".join([*tables.describe().lines(), *tables.describe_history().lines()]))
    return 0


def _index(args: argparse.Namespace, settings: Settings) -> int:
    tables = _tables(settings)
    print(
        f"adding the time index to table {settings.table} at {where(settings)} and waiting "
        "until DynamoDB has built it (on a large table this takes a while)...",
        flush=True,
    )
    outcome, info = tables.index_on()
    print(_index_message(outcome, info))
    return 0


def _index_message(outcome: IndexOutcome, info: TableInfo) -> str:
    done = "is now on" if outcome == "added" else "was already on"
    return (
        f"the time index of table {info.name} {done} ({info.index}). Readings written by "
        "others get recorded_at from `gql derive`; run `gql derive rebuild` once for those "
        "written before"
    )


def _stream(args: argparse.Namespace, settings: Settings) -> int:
    tables = _tables(settings)
    outcome, info = tables.stream_on() if args.state == "on" else tables.stream_off()
    print(_stream_message(outcome, info, where(settings)))
    return 0


def _stream_message(outcome: StreamOutcome, info: TableInfo, at: str) -> str:
    subject = f"the stream of table {info.name} at {at}"
    if outcome == "turned-on":
        return f"{subject} is now on ({STREAM_VIEW}): {info.stream_arn}"
    if outcome == "already-on":
        return f"{subject} was already on ({STREAM_VIEW}): {info.stream_arn}"
    if outcome == "replaced":
        return (
            f"{subject} did not record both images: it was turned off and on again with "
            f"{STREAM_VIEW}. This is a new stream, {info.stream_arn}; readers of the old one "
            "must start again"
        )
    if outcome == "turned-off":
        return f"{subject} is now off: live changes end (its records stay readable for 24 hours)"
    return f"{subject} was already off"
