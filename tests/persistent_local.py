"""A DynamoDB Local of a test's (or a module's) own, that it can stop and start again.

On disk (`-dbPath`, so its tables survive a restart) or in memory (`data=None`: a fresh one,
with none of the tables that a long run leaves in the shared one). Started with
scripts/dynamodb-local on another port than the shared ones, so that stopping it touches no
other test; only inside the private network namespace (scripts/in-netns). It inherits
DYNAMODB_LOCAL_DELAY_MS, so under `make test-slow-machine` it answers as slowly as the others.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config

from tests.hardening.fakes import unused_port
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "dynamodb-local"


class PersistentDynamoDBLocal:
    """A DynamoDB Local of this test's own, on disk (in memory when `data` is None), that can
    be stopped and started again."""

    def __init__(self, data: Path | None, log: Path) -> None:
        self.data = data
        self.log = log
        self.port = unused_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.client: DynamoDBClient = boto3.client(
            "dynamodb",
            endpoint_url=self.url,
            region_name="us-east-1",
            # Its own: a module-scoped user is set up before the test's clean AWS environment.
            aws_access_key_id="local",
            aws_secret_access_key="local",
            # Patient: on a loaded machine a freshly started DynamoDB Local answers slowly.
            config=Config(
                connect_timeout=1, read_timeout=patient(10), retries={"total_max_attempts": 1}
            ),
        )

    def start(self, timeout: float = 60.0) -> float:
        """Start it and wait (`patient(timeout)`) until it answers; returns how long it took."""
        started = time.monotonic()
        timeout = patient(timeout)
        env = {**os.environ, "DYNAMODB_LOCAL_PORT": str(self.port)}
        storage = ["-dbPath", str(self.data)] if self.data is not None else []
        # -sharedDb, as scripts/in-netns: one database whatever the credentials and region
        # (the streams client and a test's own clients need not share a key).
        storage.append("-sharedDb")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(SCRIPT), *storage],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                pytest.fail(f"DynamoDB Local exited early:\n{self.log.read_text()}")
            try:
                self.client.list_tables()
            except Exception:  # not listening yet
                time.sleep(0.1)
            else:
                return time.monotonic() - started
        pytest.fail(f"DynamoDB Local did not answer within {timeout:g} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
