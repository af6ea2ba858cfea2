"""Load from a separate process on loopback: autocannon (npm), wrk (Debian) or bench.loadgen.

`make bench` installs autocannon into .cache/bench. Throughput and the memory run use the first
tool found of autocannon, wrk and the built-in generator; latency at one connection always
uses the built-in generator, which times each request in nanoseconds (autocannon's histogram
keeps whole milliseconds, too coarse for a 2 ms request). Every run is bounded: the tool is
told how long to run and is killed if it overruns by `GRACE_S`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.loadgen import LoadReport
from bench.stack import die_with_parent

REPO = Path(__file__).resolve().parents[1]
AUTOCANNON = REPO / ".cache" / "bench" / "node_modules" / ".bin" / "autocannon"
GRACE_S = 30.0


@dataclass(frozen=True)
class Request:
    url: str
    body: str = ""
    method: str = "POST"
    content_type: str = "application/json"
    expect: str | None = None  # text every 2xx answer must contain (built-in generator only)
    # Bodies to cycle through, each connection from its own offset (built-in generator only).
    bodies: tuple[str, ...] = ()


class LoadError(RuntimeError):
    pass


def _run(command: list[str], timeout: float) -> str:
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=REPO,
            preexec_fn=die_with_parent,
        )
    except subprocess.TimeoutExpired as exc:
        raise LoadError(f"{command[0]} did not finish within {timeout:g} s") from exc
    if done.returncode != 0:
        raise LoadError(f"{' '.join(command[:2])} exited {done.returncode}: {done.stderr[-2000:]}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if not lines:
        raise LoadError(f"{command[0]} printed nothing; stderr: {done.stderr[-2000:]}")
    return lines[-1]


class Builtin:
    name = "builtin"

    def describe(self) -> str:
        return "bench.loadgen (Python, asyncio)"

    def command(
        self, request: Request, connections: int, duration: float, warmup: float
    ) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "bench.loadgen",
            request.url,
            "-c",
            str(connections),
            "-d",
            str(duration),
            "-w",
            str(warmup),
            "-m",
            request.method,
            "-H",
            f"content-type: {request.content_type}",
        ]
        if request.body:
            command += ["-b", request.body]
        if request.expect:
            command += ["--expect", request.expect]
        return command

    def parse(self, line: str) -> LoadReport:
        return LoadReport(**json.loads(line))

    def run(self, request: Request, connections: int, duration: float, warmup: float) -> LoadReport:
        command = self.command(request, connections, duration, warmup)
        if not request.bodies:
            return self.parse(_run(command, duration + warmup + GRACE_S))
        with tempfile.TemporaryDirectory(prefix="bench-bodies-") as tmp:
            bodies = Path(tmp) / "bodies.json"
            bodies.write_text(json.dumps(list(request.bodies)), encoding="utf-8")
            command += ["--bodies", str(bodies)]
            return self.parse(_run(command, duration + warmup + GRACE_S))


class Autocannon:
    name = "autocannon"

    def __init__(self, path: Path = AUTOCANNON) -> None:
        self.path = path

    def describe(self) -> str:
        package = self.path.parents[1] / "autocannon" / "package.json"
        version = json.loads(package.read_text(encoding="utf-8")).get("version", "?")
        return f"autocannon {version}"

    def command(
        self, request: Request, connections: int, duration: float, warmup: float
    ) -> list[str]:
        command = [
            str(self.path),
            "--json",
            "-c",
            str(connections),
            "-d",
            f"{duration:g}",
            "-m",
            request.method,
            "-H",
            f"content-type={request.content_type}",
        ]
        if request.body:
            command += ["-b", request.body]
        if warmup > 0:
            command += ["--warmup", "[", "-c", str(connections), "-d", f"{warmup:g}", "]"]
        return [*command, request.url]

    def parse(self, line: str, connections: int) -> LoadReport:
        data: dict[str, Any] = json.loads(line)
        latency = data["latency"]
        duration = float(data["duration"]) or 1e-9
        ok = int(data["2xx"])
        return LoadReport(
            tool=self.name,
            connections=connections,
            duration_s=duration,
            requests=ok,
            non2xx=int(data["non2xx"]),
            errors=int(data["errors"]) + int(data["timeouts"]),
            rps=ok / duration,
            p50_ms=float(latency["p50"]),
            p90_ms=float(latency["p90"]),
            p99_ms=float(latency["p99"]),
            mean_ms=float(latency["mean"]),
            max_ms=float(latency["max"]),
        )

    def run(self, request: Request, connections: int, duration: float, warmup: float) -> LoadReport:
        command = self.command(request, connections, duration, warmup)
        return self.parse(_run(command, duration + warmup + GRACE_S), connections)


WRK_SCRIPT = """
wrk.method = os.getenv("BENCH_METHOD")
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["content-type"] = os.getenv("BENCH_CONTENT_TYPE")
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%f,"max_us":%d}\\n',
    summary.requests, summary.duration, errors, summary.errors.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    latency.max))
end
"""


class Wrk:
    name = "wrk"

    def __init__(self, path: str) -> None:
        self.path = path

    def describe(self) -> str:
        done = subprocess.run(
            [self.path, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
        first = (done.stdout or done.stderr).strip().splitlines()
        return first[0] if first else "wrk"

    def run(self, request: Request, connections: int, duration: float, warmup: float) -> LoadReport:
        with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
            script = Path(tmp) / "request.lua"
            script.write_text(WRK_SCRIPT, encoding="utf-8")
            if warmup > 0:
                self._once(script, request, connections, warmup)
            data = json.loads(self._once(script, request, connections, duration))
        duration_s = data["duration_us"] / 1e6 or 1e-9
        ok = int(data["requests"]) - int(data["non2xx"])
        return LoadReport(
            tool=self.name,
            connections=connections,
            duration_s=duration_s,
            requests=ok,
            non2xx=int(data["non2xx"]),
            errors=int(data["errors"]),
            rps=ok / duration_s,
            p50_ms=data["p50_us"] / 1e3,
            p90_ms=data["p90_us"] / 1e3,
            p99_ms=data["p99_us"] / 1e3,
            mean_ms=data["mean_us"] / 1e3,
            max_ms=data["max_us"] / 1e3,
        )

    def _once(self, script: Path, request: Request, connections: int, duration: float) -> str:
        seconds = max(1, round(duration))  # wrk takes whole seconds
        command = [
            self.path,
            "-t",
            str(min(connections, 2)),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "-s",
            str(script),
            request.url,
        ]
        env = dict(
            os.environ,
            BENCH_METHOD=request.method,
            BENCH_BODY=request.body,
            BENCH_CONTENT_TYPE=request.content_type,
        )
        try:
            done = subprocess.run(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=seconds + GRACE_S,
                check=False,
                preexec_fn=die_with_parent,
            )
        except subprocess.TimeoutExpired as exc:
            raise LoadError(f"wrk did not finish within {seconds + GRACE_S:g} s") from exc
        if done.returncode != 0:
            raise LoadError(f"wrk exited {done.returncode}: {done.stderr[-2000:]}")
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise LoadError(f"wrk printed no summary: {done.stdout[-2000:]}")
        return lines[-1]


Tool = Builtin | Autocannon | Wrk


def find_tool(preference: str = "auto") -> Tool:
    """The load tool for throughput and memory: autocannon, else wrk, else the built-in one."""
    wrk = shutil.which("wrk")
    if preference == "builtin":
        return Builtin()
    if preference == "autocannon" or (preference == "auto" and AUTOCANNON.exists()):
        if not AUTOCANNON.exists():
            raise LoadError(f"autocannon is not installed at {AUTOCANNON}: run `make bench`")
        return Autocannon()
    if preference == "wrk" or (preference == "auto" and wrk):
        if not wrk:
            raise LoadError("wrk is not on PATH (apt-get install -y wrk)")
        return Wrk(wrk)
    return Builtin()
