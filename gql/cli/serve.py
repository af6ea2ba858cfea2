"""`gql serve`."""

from __future__ import annotations

import argparse

from gql.cli.common import Commands
from gql.config import Settings


def register(commands: Commands) -> None:
    serve = commands.add_parser("serve", help="run the GraphQL server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--backend", choices=("embedded", "aws"), help="overrides GQL_BACKEND")
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from gql.server import serve

    return serve(settings, host=args.host, port=args.port, backend=args.backend)
