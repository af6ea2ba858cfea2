"""`gql serve`."""

from __future__ import annotations

import argparse
import os
import secrets

from gql.cli.common import Commands, client
from gql.config import Settings
from gql.errors import GqlError


def register(commands: Commands) -> None:
    serve = commands.add_parser("serve", help="run the GraphQL server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--backend", choices=("embedded", "aws"), help="overrides GQL_BACKEND")
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="server processes sharing the port (aws backend only; e.g. one per CPU core)",
    )
    serve.add_argument(
        "--derive",
        action="store_true",
        help="also run the history consumer (`gql derive`) in this process; the embedded "
        "backend always does",
    )
    serve.set_defaults(run=_serve)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is below the minimum of 1")
    return value


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from gql.web import serve

    backend = args.backend or settings.backend
    if args.derive and args.workers > 1:
        raise GqlError(
            f"--derive with --workers {args.workers} would run a consumer in every worker: run "
            "`gql derive` as a process of its own beside `gql serve --workers N`"
        )
    if args.derive and backend != "embedded":
        from gql.cli.derive import check_tables

        check_tables(settings, client(settings))  # say at once what the consumer would lack
    if args.workers > 1:
        if backend == "embedded":
            raise GqlError(
                f"--workers {args.workers} needs a real DynamoDB: the embedded backend's table "
                "lives inside one process, so each worker would serve its own separate copy. "
                "Use --workers 1, or point gql at DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB) "
                "or AWS (--backend aws)."
            )
        # Each worker process reads its settings from the environment it inherits.
        os.environ["GQL_BACKEND"] = backend
        if not settings.cursor_secrets:
            # One random secret for all workers: a cursor from one must work on the others.
            os.environ["GQL_CURSOR_SECRET"] = secrets.token_hex(32)
            print(
                "gql: GQL_CURSOR_SECRET is not set: the workers share a random secret, so "
                "cursors stop working after a restart",
                flush=True,
            )
    return serve(
        settings,
        host=args.host,
        port=args.port,
        backend=args.backend,
        workers=args.workers,
        derive=args.derive,
    )
