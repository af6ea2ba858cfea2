"""The processes a bench run starts, and their certain end.

Every child gets SIGTERM if the bench process dies (PR_SET_PDEATHSIG on Linux), and
`Stack.close` stops what is still running: SIGTERM, then SIGKILL after a few seconds.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import boto3

from gql.store.client import DynamoDB
from gql.store.tables import Tables

REPO = Path(__file__).resolve().parents[1]
GQL = Path(sys.executable).with_name("gql")
CURSOR_SECRET = "bench-cursor-secret-0123456789"  # noqa: S105 - a bench-only table
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def child_env(endpoint: str, table: str) -> dict[str, str]:
    """This environment without AWS settings, pointed at `table` on `endpoint`.

    GQL_* settings (e.g. GQL_MAX_WORKERS) pass through, so a run can compare them; the bench
    decides the table, the backend and the cursor secret.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    for name in ("GQL_TABLE", "GQL_BACKEND", "GQL_CURSOR_SECRET", "GQL_API_KEYS"):
        env.pop(name, None)
    env.update(
        AWS_ENDPOINT_URL_DYNAMODB=endpoint,
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - DynamoDB Local ignores credentials
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        GQL_TABLE=table,
        GQL_CURSOR_SECRET=CURSOR_SECRET,
    )
    return env


def gql_settings_in(env: Mapping[str, str]) -> dict[str, str]:
    """The GQL_* settings a run used (for the results file)."""
    return {k: v for k, v in sorted(env.items()) if k.startswith("GQL_") and k != "GQL_IN_NETNS"}


class Process:
    """A child process whose output goes to files (never a pipe that could fill up)."""

    def __init__(
        self, name: str, command: list[str], env: Mapping[str, str], log_dir: Path
    ) -> None:
        self.name = name
        self.command = command
        self.stdout_path = log_dir / f"{name}.stdout.txt"
        self.stderr_path = log_dir / f"{name}.stderr.txt"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.popen = subprocess.Popen(
                command,
                env=dict(env),
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                preexec_fn=die_with_parent,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 5.0) -> None:
        if self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)


class Server(Process):
    def __init__(
        self, name: str, command: list[str], env: Mapping[str, str], log_dir: Path, port: int
    ) -> None:
        super().__init__(name, command, env, log_dir)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.popen.poll()
            if code is not None:
                raise RuntimeError(f"{self.name} exited with {code} at start:\n{self.stderr()}")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} was not healthy after {timeout:g} s:\n{self.stderr()}")

    def rss_kib(self) -> int:
        """VmRSS of the server process, from /proc/<pid>/status."""
        status = Path(f"/proc/{self.pid}/status").read_text(encoding="ascii")
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError(f"no VmRSS in /proc/{self.pid}/status")


class Stack:
    """DynamoDB tables and processes of one bench run; `close` removes them all."""

    def __init__(self, endpoint: str, log_dir: Path) -> None:
        self.endpoint = endpoint
        self.log_dir = log_dir
        self.run_id = uuid.uuid4().hex[:8]
        self.tables: list[str] = []
        self.processes: list[Process] = []
        self.client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local ignores them
        )

    def __enter__(self) -> Stack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def table_name(self, purpose: str) -> str:
        name = f"bench-{purpose}-{self.run_id}"
        self.tables.append(name)
        return name

    def create_table(self, purpose: str) -> str:
        """A table shaped like the main one, made in this process (faster than `gql table`)."""
        name = self.table_name(purpose)
        Tables(DynamoDB(self.client, name)).create(wait=True)
        return name

    def env(self, table: str) -> dict[str, str]:
        return child_env(self.endpoint, table)

    def gql(
        self, *args: str | Path, table: str, timeout: float = 120, variant: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `gql ARGS` to its end against `table`; raises when it fails."""
        command = [*self.gql_command(variant), *map(str, args)]
        done = subprocess.run(
            command,
            env=self.env(table),
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"gql {' '.join(command[1:])} exited {done.returncode}:\n{done.stderr}"
            )
        return done

    def python(
        self, *args: str | Path, table: str, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, *map(str, args)]
        done = subprocess.run(
            command,
            env=self.env(table),
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command[1:])} exited {done.returncode}:\n{done.stderr}")
        return done

    def start_server(self, name: str, command: list[str], table: str, port: int) -> Server:
        server = Server(name, command, self.env(table), self.log_dir, port)
        self.processes.append(server)
        return server

    def gql_command(self, variant: str | None) -> list[str]:
        """`gql`, or with `variant`, gql with the prototype patches of bench/variants.py."""
        if not variant:
            return [str(GQL)]
        return [sys.executable, "-m", "bench.variants", variant, "--"]

    def gql_serve(self, table: str, variant: str | None = None, *, workers: int = 1) -> Server:
        """`gql serve`, as a user runs it (unless a variant is asked for)."""
        port = free_port()
        command = [*self.gql_command(variant), "serve", "--host", "127.0.0.1", "--port", str(port)]
        if workers > 1:
            command += ["--workers", str(workers)]
        name = "gql-serve" if workers == 1 else f"gql-serve-{workers}-workers"
        return self.start_server(name, command, table, port)

    def baseline_serve(self, table: str) -> Server:
        port = free_port()
        command = [sys.executable, "-m", "bench.baseline_app", "--port", str(port)]
        return self.start_server("baseline", command, table, port)

    def close(self) -> None:
        for process in reversed(self.processes):
            with contextlib.suppress(Exception):
                process.stop()
        self.processes.clear()
        for table in self.tables:
            with contextlib.suppress(Exception):
                self.client.delete_table(TableName=table)
        self.tables.clear()
