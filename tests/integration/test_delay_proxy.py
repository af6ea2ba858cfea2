"""scripts/delay-proxy, which `make test-slow-machine` puts in front of every DynamoDB Local:
each request arrives late by the delay, the answer is the server's, and the server it runs
ends with it. Against a plain HTTP server on loopback (no DynamoDB Local needed)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import free_port
from tests.timing import patient

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "delay-proxy"
DELAY_MS = 150


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    (tmp_path / "hello.txt").write_text("hello through the proxy\n")
    port = free_port()
    server = [sys.executable, "-m", "http.server", "{port}", "--bind", "127.0.0.1"]
    proxy = subprocess.Popen(
        [
            sys.executable,
            str(SCRIPT),
            "--listen",
            str(port),
            "--delay-ms",
            str(DELAY_MS),
            "--",
            *server,
        ],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/hello.txt"
    try:
        deadline = time.monotonic() + patient(20)
        while True:  # the proxy listens at once; the server behind it takes a moment
            try:
                if httpx.get(url, timeout=patient(5)).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server behind the proxy never answered"
            time.sleep(0.1)
        yield url, proxy
    finally:
        proxy.kill()
        proxy.wait()


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_sigterm_ends_the_proxy_and_the_server_behind_it(
    proxied: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, proxy = proxied
    [server] = children(proxy.pid)
    proxy.terminate()
    assert proxy.wait(timeout=patient(15)) == 0
    assert not Path(f"/proc/{server}").exists()  # ended and reaped by the proxy
    with pytest.raises(httpx.TransportError):
        httpx.get(url, timeout=patient(2))
