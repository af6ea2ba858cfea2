"""A real `redis-server` (Debian's package, Redis 7) of a test's own, on a free port.

Started inside the test network namespace like DynamoDB Local (scripts/in-netns runs the whole
suite there), one per test or module, so a test may stop, kill and start it again: the restart
tests need that. `persistent=True` keeps every write in an append-only file synced at once,
so a restart (even after SIGKILL) comes back with everything; without it a restart is empty.
Without the binary, tests that need it skip and say how to install it.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.timing import patient

NO_REDIS = "redis-server is not installed: apt-get install redis-server (.ci/run installs it)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class RedisServer:
    def __init__(self, directory: Path, *, persistent: bool = False, port: int = 0) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip(NO_REDIS)
        self.binary = binary
        self.directory = directory
        self.persistent = persistent
        self.port = port or _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        keep = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else []
        return [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.directory),
            "--save",
            "",
            "--appendonly",
            "no",
            *keep,
            "--daemonize",
            "no",
            "--logfile",
            str(self.directory / "redis.log"),
        ]

    def start(self) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + patient(15)
        with redis.Redis.from_url(self.url, socket_timeout=1) as client:
            while True:
                with contextlib.suppress(redis.ConnectionError, redis.BusyLoadingError):
                    if client.ping():
                        return self
                if self.process.poll() is not None:
                    raise RuntimeError(f"redis-server exited: {self.log_tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not answer: {self.log_tail()}")
                time.sleep(0.05)

    def stop(self, sig: int = signal.SIGKILL) -> None:
        """Stop it (SIGKILL by default: nothing is saved that was not saved already)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=patient(15))
        self.process = None

    def restart(self, *, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=patient(5))

    def log_tail(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"


@contextlib.contextmanager
def running_redis(directory: Path, *, persistent: bool = False) -> Iterator[RedisServer]:
    server = RedisServer(directory, persistent=persistent).start()
    try:
        yield server
    finally:
        server.stop()
