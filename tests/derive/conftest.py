"""A DynamoDB Local of a test's own, in memory, for the long tests of the derived history.

DynamoDB Local slows down as one instance holds more stream-enabled tables and stream records;
each long test here starts its own (inside the private network namespace, like the shared one),
so that it does not depend on what ran before it, and could move to another worker as it is.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from tests.conftest import LOCAL_URL, NO_LOCAL
from tests.hardening.fakes import unused_port
from tests.persistent_local import SCRIPT


class OwnLocal:
    def __init__(self, log: Path) -> None:
        self.port = unused_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.client = boto3.client(
            "dynamodb",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(max_pool_connections=32, read_timeout=60, retries={"mode": "standard"}),
        )
        self.streams = boto3.client(
            "dynamodbstreams",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def env(self, table: str, **settings: str) -> dict[str, str]:
        """What `gql` needs to work on `table` here."""
        return {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "AWS_ENDPOINT_URL_DYNAMODB": self.url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": "us-east-1",
            "GQL_TABLE": table,
            "GQL_CURSOR_SECRET": "derive-tests-cursor-secret",
            **settings,
        }

    def start(self, timeout: float = 90.0) -> None:
        env = {**os.environ, "DYNAMODB_LOCAL_PORT": str(self.port)}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(SCRIPT)], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"DynamoDB Local exited early:\n{self.log.read_text()}")
            try:
                self.client.list_tables()
                return
            except Exception:  # not listening yet
                time.sleep(0.1)
        pytest.fail(f"DynamoDB Local did not answer within {timeout:g} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def own_local(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[OwnLocal]:
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)  # only inside the private network namespace
    request.node.user_properties.append(("backend", "dynamodb-local"))
    local = OwnLocal(tmp_path / "dynamodb-local.log")
    try:
        local.start()
        yield local
    finally:
        local.stop()
