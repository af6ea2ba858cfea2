"""Candidate fast-path changes, tried on `gql serve` without editing gql/.

    python -m bench.variants PATCH[,PATCH...] -- serve --port N

applies the named patches to the imported gql modules, then runs the `gql` command line with
the arguments after `--`. Each patch is a prototype of a change to propose, so that its effect
can be measured (bench/compare.py) before anyone edits the code; "none" applies nothing.
Two prototypes measured faster and are now in gql itself (validation rules built once, so the
validation cache hits; GetItem for a lone key); the rest measured no gain and stayed here.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.variants_schema import field_loop, no_leaf_path, no_object_path, six_extensions


def no_wait_for() -> None:
    """The thread-pool hop without asyncio.wait_for (measures what the timeout wrapper costs).

    Not a proposal as it stands: it replaces Context.run whole, so the request's time budget
    (asyncio timeout and the budget botocore is given) is gone too.
    """
    from gql.errors import BackendUnavailableError
    from gql.schema.context import Context

    async def run(self: Context, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.deadline - time.monotonic() <= 0:
            raise BackendUnavailableError("the database did not answer in time")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.services.executor, functools.partial(fn, *args, **kwargs)
        )

    Context.run = run  # type: ignore[method-assign]


def param_validation() -> None:
    """botocore's client-side check of each request against the model on, as before
    gql.store.client.make_client turned it off (the server validates anyway)."""
    from botocore.config import Config

    import gql.store.client

    def validating(*args: Any, **kwargs: Any) -> Config:
        return Config(*args, **{**kwargs, "parameter_validation": True})

    gql.store.client.Config = validating  # type: ignore[attr-defined,assignment]


def asyncio_h11() -> None:
    """uvicorn on the standard asyncio loop and h11 (to show what uvloop + httptools give)."""
    import uvicorn

    original = uvicorn.run

    def run(app: Any, **kwargs: Any) -> None:
        original(app, **{**kwargs, "loop": "asyncio", "http": "h11"})

    uvicorn.run = run


def no_coalescing() -> None:
    """Reads by key batched per request only, as before gql/schema/batching.py (to measure it)."""
    from gql.models import Reading, ReadingKey
    from gql.schema.context import Context

    async def load(self: Context, keys: list[ReadingKey]) -> list[Reading | None]:
        if len(keys) == 1:
            return [await self.run(self.store.get, keys[0])]
        found = await self.run(self.store.batch_get, keys)
        return [found.get(key) for key in keys]

    Context._load_readings = load  # type: ignore[method-assign]


def no_latest_coalescing() -> None:
    """latestReading as before round 3: one Query per device on the store pool, per request."""
    import asyncio

    from gql.models import Reading
    from gql.schema.context import Context

    async def load(self: Context, device_ids: list[str]) -> list[Reading | None]:
        return list(await asyncio.gather(*(self.run(self.store.latest, d) for d in device_ids)))

    Context._load_latest = load  # type: ignore[method-assign]


def coalesce_4() -> None:
    """Up to 4 batches in flight before keys wait for one to return."""
    from gql.schema.context import Services

    original = Services.__post_init__

    def post_init(self: Services) -> None:
        original(self)
        self.readings_by_key.max_in_flight = 4

    Services.__post_init__ = post_init  # type: ignore[method-assign]


def switch_5ms() -> None:
    """Python's default GIL switch interval (gql serve sets 1 ms), to measure the difference."""
    import gql.web.server

    gql.web.server.hand_over_the_gil_often = lambda: None


def botocore_parse() -> None:
    """botocore's own parser for every DynamoDB answer, as before gql/store/answers.py."""
    from botocore.parsers import ResponseParserFactory

    import gql.store.client

    gql.store.client.ItemAnswerParserFactory = ResponseParserFactory  # type: ignore[attr-defined,assignment]


def regex_marks() -> None:
    """The body checked for blobs, nulls and long numbers by one regular expression, as before
    the shortcut looked for them with `in` and checked the counts after reading."""
    import re

    import gql.store.answers as answers

    needed = re.compile(rb'"BS?"\s*:|[:\[,]\s*(?:null|-?\d{19})')
    shortcut = answers.ItemAnswerParser.shortcut

    def checked(self: Any, raw_body: bytes, shape: Any) -> Any:
        return None if needed.search(raw_body) else shortcut(self, raw_body, shape)

    answers.ItemAnswerParser.shortcut = checked  # type: ignore[method-assign]


def no_freeze() -> None:
    """The heap start-up built left in the garbage collector's full collections, as before
    gql serve froze it (gql/web/app.py: freeze_startup_heap)."""
    import gql.web.app

    gql.web.app.freeze_startup_heap = lambda: None


def request_cycles() -> None:
    """Each request's graph held by reference cycles until the garbage collector comes, as
    before: graphql-core's helpers as bound methods, the loaders holding their context
    strongly, botocore's default blob parser bound to each answer's parser."""
    from graphql import GraphQLResolveInfoHelpers
    from strawberry.dataloader import DataLoader

    import gql.schema.context
    import gql.store.answers
    from gql.schema.executor import Executor

    init = Executor.__init__

    def bound_helpers(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=self.gather_async_work, track=self.track_async_work
        )

    def strong_loader(self: Any, load: Any) -> Any:
        return DataLoader(load_fn=functools.partial(load, self), cache=not self.socket)

    Executor.__init__ = bound_helpers  # type: ignore[method-assign]
    gql.schema.context.Context._loader = strong_loader  # type: ignore[method-assign]
    parser_init = gql.store.answers.ItemAnswerParser.__init__

    def own_blob_parser(self: Any, verdicts: Any = None, **defaults: Any) -> None:
        defaults.pop("blob_parser", None)
        parser_init(self, verdicts, **defaults)

    gql.store.answers.ItemAnswerParser.__init__ = own_blob_parser  # type: ignore[method-assign]


def full_log_records() -> None:
    """Log records with the caller's frame, thread and process, as before gql serve left
    them out (gql.web.server.lean_log_records)."""
    import gql.web.server

    gql.web.server.lean_log_records = lambda: None


def log_in_loop() -> None:
    """The `gql` loggers' lines written by logging's StreamHandler in the thread that logs
    them (the event loop, for the request log), as before gql/observe/loglines.py."""
    import gql.web.server

    original = gql.web.server.log_config

    def log_config(settings: Any) -> dict[str, Any]:
        config = original(settings)
        config["handlers"]["gql"] = {
            "class": "logging.StreamHandler",
            "formatter": "gql",
            "stream": "ext://sys.stderr",
        }
        return config

    gql.web.server.log_config = log_config


def urandom_ids() -> None:
    """A new request id from os.urandom (secrets.token_hex) per request, as before
    gql.observe.requestlog drew them from a generator seeded once."""
    import secrets

    import gql.observe.requestlog
    import gql.observe.telemetry

    original = gql.observe.requestlog.request_id_from

    def request_id_from(given: str | None) -> str:
        return original(given) if given else secrets.token_hex(16)

    gql.observe.telemetry.request_id_from = request_id_from  # type: ignore[attr-defined]


def no_linger() -> None:
    """The log writer woken for every line, as before it lingered after a busy write
    (gql.observe.loglines.QueuedLines.LINGER)."""
    from gql.observe.loglines import QueuedLines

    QueuedLines.LINGER = 0.0


def no_lane() -> None:
    """Every query through Strawberry's whole request path, as before the query lane
    (gql/schema/lane.py)."""
    from gql.schema.lane import QueryLane

    QueryLane.prepare = lambda *_: None  # type: ignore[method-assign]


PATCHES: dict[str, Callable[[], None]] = {
    "no-lane": no_lane,
    "no-linger": no_linger,
    "urandom-ids": urandom_ids,
    "six-extensions": six_extensions,
    "log-in-loop": log_in_loop,
    "full-log-records": full_log_records,
    "request-cycles": request_cycles,
    "no-freeze": no_freeze,
    "botocore-parse": botocore_parse,
    "regex-marks": regex_marks,
    "field-loop": field_loop,
    "no-object-path": no_object_path,
    "coalesce-4": coalesce_4,
    "switch-5ms": switch_5ms,
    "no-coalescing": no_coalescing,
    "no-latest-coalescing": no_latest_coalescing,
    "no-leaf-path": no_leaf_path,
    "no-wait-for": no_wait_for,
    "param-validation": param_validation,
    "asyncio-h11": asyncio_h11,
}


def apply(names: str) -> list[str]:
    applied = []
    for name in filter(None, names.split(",")):
        if name == "none":
            continue
        if name not in PATCHES:
            raise SystemExit(f"unknown patch {name!r}; known: {', '.join(PATCHES)}")
        PATCHES[name]()
        applied.append(name)
    return applied


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--" not in args or args.index("--") != 1:
        raise SystemExit("usage: python -m bench.variants PATCH[,PATCH...] -- GQL_ARGS...")
    applied = apply(args[0])
    print(f"bench.variants: patches applied: {', '.join(applied) or 'none'}", flush=True)
    from gql.cli import main as gql_main

    return gql_main(args[2:])


if __name__ == "__main__":
    raise SystemExit(main())
