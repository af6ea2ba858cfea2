"""Running the subscriber examples (client-examples/*/subscribe.*) as processes, line by line.

The JavaScript one imports the `graphql-ws` and `ws` npm packages. Tests run without network
(inside scripts/in-netns), so `make client-tools` installs client-examples/js/package.json's
pinned packages into .cache/clients beforehand; since Node resolves ES module imports from the
importing file's folder upwards, the example scripts are copied next to that node_modules.
"""

from __future__ import annotations

import contextlib
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.examples.conftest import EXAMPLES, REPO

JS_PACKAGES = REPO / ".cache" / "clients"
NO_PACKAGES = (
    "the JavaScript subscriber needs client-examples/js's npm packages in .cache/clients: "
    "run `make client-tools` (make test does)"
)


def js_examples() -> Path:
    """A copy of client-examples/js beside the installed packages; skips when they are missing."""
    if shutil.which("node") is None:
        pytest.skip("the JavaScript examples need node, which is not installed")
    if not (JS_PACKAGES / "node_modules" / "graphql-ws" / "package.json").is_file():
        pytest.skip(NO_PACKAGES)
    target = JS_PACKAGES / "examples"
    target.mkdir(exist_ok=True)
    for script in (EXAMPLES / "js").glob("*.mjs"):
        shutil.copyfile(script, target / script.name)
    return target


def subscriber_argv(flavour: str, *args: str) -> list[str]:
    if flavour == "python":
        return [sys.executable, str(EXAMPLES / "python" / "subscribe.py"), *args]
    return ["node", str(js_examples() / "subscribe.mjs"), *args]


@dataclass
class Running:
    """A subscriber process; its stdout lines are collected on a thread as they come."""

    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[str] = field(init=False)
    reader: threading.Thread = field(init=False)
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, done: Callable[[str], bool], timeout: float) -> bool:
        """Collect lines into `seen` until one satisfies `done` (True), or timeout/EOF (False)."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                return False
            if line is None:
                self.lines.put(None)  # stays at the end for the next caller
                return False
            self.seen.append(line)
            if done(line):
                return True
        return False

    def stop(self) -> tuple[int, str]:
        """End it (if it still runs): its exit code and its stderr."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(timeout=10)
        self.reader.join(timeout=5)
        self.wait_for(lambda _: False, timeout=0.1)  # what it printed before it ended
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        stderr = self.process.stderr.read()
        self.process.stdout.close()
        self.process.stderr.close()
        return code, stderr

    def finish(self, timeout: float) -> tuple[int, str]:
        """Wait for it to exit by itself: its exit code and stderr (killed after `timeout`)."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        return self.stop()

    def report(self) -> str:
        return f"$ {' '.join(self.argv)}\n--- stdout so far\n" + "\n".join(self.seen)
