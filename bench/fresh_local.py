"""A DynamoDB Local of a figure's own, fresh and in memory, started beside the shared one.

DynamoDB Local slows down as one instance accumulates stream-enabled tables and stream records
(a table with a stream created late in a long-lived instance writes an item in about 8.8 ms
instead of 0.7), so a figure that writes a lot measures each of its sides on an instance in
the same state: a fresh one. Started with scripts/dynamodb-local on a free port, which only
works inside the private network namespace that `make bench` runs in (scripts/in-netns).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import TracebackType

import boto3
from botocore.config import Config

from bench.plan import say
from bench.stack import REPO, Process, free_port

SCRIPT = REPO / "scripts" / "dynamodb-local"


class FreshLocal:
    """`with FreshLocal(log_dir, "name") as endpoint:` a DynamoDB Local that holds nothing yet."""

    def __init__(self, log_dir: Path, name: str, *, timeout: float = 120.0) -> None:
        self.log_dir = log_dir
        self.name = name
        self.timeout = timeout
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: Process | None = None

    def __enter__(self) -> str:
        started = time.monotonic()
        env = {**os.environ, "DYNAMODB_LOCAL_PORT": str(self.port)}
        self.process = Process(f"dynamodb-local-{self.name}", [str(SCRIPT)], env, self.log_dir)
        client = boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local ignores them
            config=Config(connect_timeout=1, read_timeout=10, retries={"total_max_attempts": 1}),
        )
        try:
            while True:
                code = self.process.popen.poll()
                if code is not None:
                    raise RuntimeError(
                        f"DynamoDB Local exited with {code} at start:\n{self.process.stderr()}"
                    )
                try:
                    client.list_tables()
                    break
                except Exception as exc:  # not listening yet
                    if time.monotonic() - started > self.timeout:
                        raise RuntimeError(
                            f"DynamoDB Local on {self.endpoint} did not answer within "
                            f"{self.timeout:g} s: {exc}"
                        ) from exc
                    time.sleep(0.2)
        except BaseException:
            self.process.stop(timeout=10)
            raise
        say(f"a fresh DynamoDB Local on {self.endpoint} ({time.monotonic() - started:.1f} s)")
        return self.endpoint

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.process.stop(timeout=10)
