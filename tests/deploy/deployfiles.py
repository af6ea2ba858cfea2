"""Reading Dockerfile, docker-compose.yml and .dockerignore the way Docker would, without Docker.

Docker (engine and compose) cannot run where these tests run, so the files are parsed here:
compose with PyYAML (anchors and `<<` merges included) plus compose's `${VAR:-default}` and
`$$` interpolation; the Dockerfile by instruction, with line continuations and exec-form
(JSON) arguments; .dockerignore with its ordered, `!`-excepted patterns.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import yaml

from tests.timing import patient

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's interpolation: `${NAME}`, `${NAME:-default}`, and `$$` for a literal `$`."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        given = env.get(match["name"])
        if given:
            return given
        return match["default"] or ""

    return _VARIABLE.sub(replace, value)


def service_env(service: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A service's environment, interpolated as compose would with `env` as the shell's."""
    raw = compose()["services"][service].get("environment", {})
    return {name: interpolate(str(value), env or {}) for name, value in raw.items()}


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str

    def exec_form(self) -> list[str]:
        """The JSON-array arguments, after any --options (HEALTHCHECK CMD [...], CMD [...])."""
        rest = self.args
        while rest.startswith("--"):
            rest = rest.split(None, 1)[1]
        if self.keyword == "HEALTHCHECK":
            keyword, _, rest = rest.partition(" ")
            assert keyword == "CMD", self
        argv = json.loads(rest)
        assert isinstance(argv, list), self
        return [str(arg) for arg in argv]

    def options(self) -> dict[str, str]:
        """`--name=value` options, before the command (HEALTHCHECK --interval=10s ... CMD)."""
        head = self.args.split("[", 1)[0]
        pairs = (token[2:].partition("=") for token in head.split() if token.startswith("--"))
        return {name: value for name, _, value in pairs}


def dockerfile() -> list[Instruction]:
    instructions: list[Instruction] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):  # a comment inside a continued instruction
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        text = pending + stripped
        pending = ""
        keyword, _, args = text.partition(" ")
        instructions.append(Instruction(keyword.upper(), " ".join(args.split())))
    assert not pending, "the Dockerfile ends in a line continuation"
    return instructions


def instruction(keyword: str) -> Instruction:
    found = [i for i in dockerfile() if i.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {found}"
    return found[0]


def image_env() -> dict[str, str]:
    """The variables the Dockerfile's ENV instructions set (the `NAME=value` form)."""
    env: dict[str, str] = {}
    for found in (i for i in dockerfile() if i.keyword == "ENV"):
        for pair in found.args.split():
            name, equals, value = pair.partition("=")
            assert equals, f"ENV {found.args}: use NAME=value"
            env[name] = value.strip('"')
    return env


def build_context() -> set[str]:
    """The files `docker build .` sends, by .dockerignore's rules (the last match wins)."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            exclude = not line.startswith("!")
            rules.append((line.lstrip("!").strip("/"), exclude))
    exceptions = [pattern for pattern, exclude in rules if not exclude]
    files = set()
    for dirpath, dirnames, names in os.walk(ROOT):
        here = Path(dirpath).relative_to(ROOT).as_posix()
        prefix = "" if here == "." else f"{here}/"
        # Do not descend into an ignored directory (.venv, .git) that no `!` rule reaches into.
        dirnames[:] = [
            d
            for d in dirnames
            if not _ignored(prefix + d, rules)
            or any(p.startswith((f"{prefix}{d}/", "**")) for p in exceptions)
        ]
        for name in names:
            if not _ignored(prefix + name, rules):
                files.add(prefix + name)
    return files


def _ignored(path: str, rules: list[tuple[str, bool]]) -> bool:
    ignored = False
    for pattern, exclude in rules:
        if _matches(path, pattern):
            ignored = exclude
    return ignored


def _matches(path: str, pattern: str) -> bool:
    """Whether `pattern` matches `path` or one of its parent directories."""
    parts = path.split("/")
    regex = _regex(pattern)
    return any(regex.match("/".join(parts[: i + 1])) for i in range(len(parts)))


def _regex(pattern: str) -> re.Pattern[str]:
    # Go's filepath.Match, as Docker uses it, plus `**` for any number of directories.
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out.append(pattern[i : end + 1])
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("^" + "".join(out) + "$")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def with_venv_path(env: Mapping[str, str]) -> dict[str, str]:
    """`env` plus a PATH on which `gql` and `python` are this virtualenv's, as in the image."""
    return {**env, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: IO[bytes]
    final_output: str | None = None  # set when the server has stopped

    def output(self) -> str:
        """What the server printed (stdout and stderr), so far or in all."""
        if self.final_output is not None:
            return self.final_output
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


@contextmanager
def running(argv: list[str], env: Mapping[str, str], port: int) -> Iterator[Server]:
    """Run a server command until it answers /healthz; stop it with SIGTERM, as `docker stop`."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            argv,
            env=with_venv_path(env),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = Server(process, f"http://127.0.0.1:{port}", log)
        try:
            _wait_until_healthy(server, argv)
            yield server
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=patient(15))
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            server.final_output = server.output()


def _wait_until_healthy(server: Server, argv: list[str]) -> None:
    limit = patient(30)
    deadline = time.monotonic() + limit
    while True:
        if server.process.poll() is not None:
            code = server.process.returncode
            raise AssertionError(f"{argv} exited with {code}: {server.output()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{argv} did not answer /healthz in {limit:g} s: {server.output()}"
            )
        time.sleep(0.1)
