"""`gql derive` as a process of its own, as deployed: started, killed with SIGKILL (no
checkpoint of the batch under way) and started again, stopped with SIGTERM. Its output, from
every start, goes to one log file."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from tests.integration.conftest import GQL
from tests.timing import patient


class DeriveProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(GQL), "derive"],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL, if it runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=patient(10))

    def stop(self) -> int:
        """SIGTERM (it finishes the batch under way), and its exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=patient(60))

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
