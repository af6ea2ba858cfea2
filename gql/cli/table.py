"""`gql table create | delete | describe | stream on|off`."""

from __future__ import annotations

import argparse
import sys

from gql.cli.common import Commands, client, require_database, where
from gql.config import Settings
from gql.errors import GqlError
from gql.store import STREAM_VIEW, DynamoDB, StreamOutcome, TableInfo, Tables


def register(commands: Commands) -> None:
    table = commands.add_parser("table", help="create, delete or describe the table; its stream")
    actions = table.add_subparsers(required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create the table (no-op when it exists)")
    create.add_argument("--wait", action="store_true", help="wait until the table is ACTIVE")
    create.add_argument("--billing", choices=("on-demand", "provisioned"), default="on-demand")
    create.add_argument("--read-capacity", type=int, default=10, metavar="RCU")
    create.add_argument("--write-capacity", type=int, default=10, metavar="WCU")
    create.set_defaults(run=_create)
    delete = actions.add_parser("delete", help="delete the table and every reading in it")
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


def _tables(settings: Settings) -> Tables:
    require_database(settings)
    return Tables(DynamoDB(client(settings), settings.table))


def _create(args: argparse.Namespace, settings: Settings) -> int:
    created, info = _tables(settings).create(
        billing=args.billing,
        read_capacity=args.read_capacity,
        write_capacity=args.write_capacity,
        wait=args.wait,
    )
    verb = "created" if created else "already exists:"
    print(f"table {info.name} {verb} at {where(settings)} (status {info.status})")
    print(info.stream_lines()[0])  # a table that existed may have no stream
    return 0


def _delete(args: argparse.Namespace, settings: Settings) -> int:
    tables = _tables(settings)
    if not args.yes:
        if not sys.stdin.isatty():
            raise GqlError("refusing to delete without confirmation: pass --yes")
        answer = input(
            f"Delete table {settings.table} at {where(settings)} and every reading in it? "
            f"Type the table name to confirm: "
        )
        if answer.strip() != settings.table:
            print("not deleted")
            return 1
    deleted = tables.delete(wait=True)
    print(f"table {settings.table} {'deleted' if deleted else 'did not exist'}")
    return 0


def _describe(args: argparse.Namespace, settings: Settings) -> int:
    info = _tables(settings).describe()
    print("\n".join(info.lines()))
    return 0


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
