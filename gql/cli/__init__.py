"""The `gql` command: serve | table ... | load | export-schema | export | migrate-legacy | derive.

Each group of commands lives in its own module with a `register(commands)` function that adds
its subparsers; this module only assembles them and turns project errors into exit codes.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from gql.cli import data, derive, maintain, serve, table
from gql.config import Settings
from gql.errors import GqlError

__all__ = ["main"]

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
    parser = argparse.ArgumentParser(prog="gql", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    serve.register(commands)
    table.register(commands)
    data.register(commands)
    maintain.register(commands)
    derive.register(commands)
    return parser
