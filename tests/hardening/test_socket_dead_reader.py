"""A client that stops reading is dropped, and one that reads is not slowed down by it.

`gql serve` runs as a real process (what happens depends on uvicorn's transport). Two raw TCP
clients, one per subprotocol, open subscriptions and then never read again, holding their
connections open; a healthy client subscribes beside them; then readings are written. The
server must end the dead clients' subscriptions with SLOW_CONSUMER and abort their
connections (a close frame would wait behind the backlog they never read) while the healthy
client gets every change. Reported: the server's RSS before, at the peak and after, the
subscriptions ended, and the healthy client's delays.

No assertion on time except generous bounds: counts and states only.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hardening.conftest import Figure
from tests.integration.conftest import Server, bare_env
from tests.live.rawws import RawWebSocket
from tests.live.wsclient import LEGACY_WS, TRANSPORT_WS, session

DEAD_SUBSCRIPTIONS = 50  # on each of the two dead sockets
WRITES, BATCH = 200, 20
SEND_TIMEOUT = 3  # GQL_WS_SEND_TIMEOUT: how long a stalled write may wait
PATIENCE = 180  # seconds the server has to drop the dead clients, on a slow and busy machine
DEVICE = "dead-reader-" + "x" * 52  # as long as a device id may be
# Each change is about 2.5 KB on the wire (the device id, aliased), so that a client that stops
# reading fills what the kernel buffers for it (up to net.ipv4.tcp_wmem's 4 MB on the
# server's side) after a few dozen changes, not thousands.
PADDING = " ".join(f"d{n}: deviceId" for n in range(29))
CHANGES = f"""subscription ($d: ID) {{ readingChanges(deviceId: $d) {{
  kind deviceId datacount changedAt {PADDING} reading {{ version info {{ temperature1 }} }} }} }}"""
PUT = "mutation ($r: [ReadingInput!]!) { putReadings(readings: $r) { written } }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = bare_env(
        GQL_WS_SEND_TIMEOUT=str(SEND_TIMEOUT),
        GQL_REQUEST_TIMEOUT="60",  # the embedded table is slow on a busy machine
        GQL_CURSOR_SECRET="dead-reader-tests-cursor-secret",
    )
    with Server(env, tmp_path_factory.mktemp("dead-reader")) as served:
        yield served


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


class PeakRss:
    """The highest RSS of a process, sampled every 50 ms on a thread while in the block."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._done = pid, rss_mib(pid), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.05):
            self.peak = max(self.peak, rss_mib(self.pid))

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def metric(server: Server, name: str) -> float:
    # The server is busy writing to 200 subscriptions on a machine that may be slow and loaded:
    # a scrape may take long, and only the deadline of the caller's wait is the limit.
    text = server.http.get("/metrics", timeout=PATIENCE).text
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def subscribed_client(server: Server, protocol: str) -> RawWebSocket:
    """A raw client with DEAD_SUBSCRIPTIONS subscriptions open; it reads nothing after the ack."""
    client = RawWebSocket(server.port, protocol, receive_buffer=4096)
    client.send_json({"type": "connection_init", "payload": {}})
    assert client.receive_json()["type"] == "connection_ack"
    start = "subscribe" if protocol == TRANSPORT_WS else "start"
    for op in range(DEAD_SUBSCRIPTIONS):
        payload = {"query": CHANGES, "variables": {"d": DEVICE}}
        client.send_json({"id": str(op), "type": start, "payload": payload})
    return client


class Drained:
    """A client whose every byte is read (and dropped) on a thread, as a live client would."""

    def __init__(self, client: RawWebSocket) -> None:
        self.client = client
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        self.client.sock.settimeout(None)
        with contextlib.suppress(OSError):
            while self.client.sock.recv(1 << 16):
                pass

    def close(self) -> None:
        self.client.sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(10)
        self.client.close()


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def wait_for_subscriptions(server: Server, count: int) -> None:
    """Until gql_subscriptions_active is `count`: the server's doing, never the clients'."""
    deadline = time.monotonic() + PATIENCE
    while metric(server, "gql_subscriptions_active") != count:
        assert time.monotonic() < deadline, server.stderr_tail()
        await asyncio.sleep(0.1)


async def stopped_reading_lines(server: Server, count: int) -> list[str]:
    """The log's lines of sockets dropped for not reading, once `count` are written (the
    log's writer thread writes a line within about 10 ms of it being logged)."""
    deadline = time.monotonic() + 30
    while True:
        lines = [line for line in server.stderr.splitlines() if "stopped reading" in line]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        await asyncio.sleep(0.05)


async def ended_by_peer(client: RawWebSocket) -> str | None:
    """How the server ends the client's connection within PATIENCE (None: it did not): the
    subscriptions count may reach 0 a moment before the connection's reset arrives."""
    deadline = time.monotonic() + PATIENCE
    while (ended := client.peer_ended()) is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return ended


async def healthy_delays(server: Server, first: int, others: int) -> list[float]:
    """Write WRITES readings from datacount `first` while a healthy client subscribes beside
    `others` subscriptions; the delay of each change, from its write's request to its arrival."""
    sent: dict[int, float] = {}
    received: dict[int, float] = {}
    async with session(server.url, TRANSPORT_WS) as healthy:
        await healthy.subscribe("h", CHANGES, {"d": DEVICE})
        await wait_for_subscriptions(server, others + 1)

        async def read_all() -> None:
            while len(received) < WRITES:
                change = await healthy.change("h", timeout=PATIENCE)
                received[change["datacount"]] = time.monotonic()

        reader = asyncio.create_task(read_all())
        for start in range(first, first + WRITES, BATCH):
            readings = [
                {"deviceId": DEVICE, "datacount": n, "info": {"infoTimestamp": "1"}}
                for n in range(start, start + BATCH)
            ]
            sent.update(dict.fromkeys(range(start, start + BATCH), time.monotonic()))
            response = await asyncio.to_thread(
                server.http.post, "/graphql", json={"query": PUT, "variables": {"r": readings}}
            )
            assert response.json() == {"data": {"putReadings": {"written": BATCH}}}
        await asyncio.wait_for(reader, PATIENCE)
        await healthy.stop("h")
    assert sorted(received) == sorted(sent), "the healthy client missed changes"
    return [received[n] - sent[n] for n in sent]


async def test_a_client_that_stops_reading_is_dropped_and_a_reader_is_unaffected(
    server: Server, figure: Figure
) -> None:
    assert server.process is not None
    pid, others = server.process.pid, 2 * DEAD_SUBSCRIPTIONS
    # The baseline: the same subscriptions on clients that read everything.
    live = [Drained(subscribed_client(server, p)) for p in (TRANSPORT_WS, LEGACY_WS)]
    baseline = await healthy_delays(server, 0, others)
    for reading in live:
        reading.close()
    await wait_for_subscriptions(server, 0)

    slow_before = metric(server, 'gql_errors_total{code="SLOW_CONSUMER"}')
    before = rss_mib(pid)
    dead = [subscribed_client(server, p) for p in (TRANSPORT_WS, LEGACY_WS)]
    with PeakRss(pid) as peak:
        delays = await healthy_delays(server, WRITES, others)
        # The dead clients still hold their connections: only the server can end them.
        await wait_for_subscriptions(server, 0)
    after = rss_mib(pid)
    slow = metric(server, 'gql_errors_total{code="SLOW_CONSUMER"}') - slow_before
    aborted = [await ended_by_peer(client) for client in dead]
    for client in dead:
        client.close()
    lines = await stopped_reading_lines(server, 2)
    figure(
        f"server RSS {before:.0f} MiB before, {peak.peak:.0f} MiB at the peak, {after:.0f} MiB "
        f"after; {slow:.0f} of {others} subscriptions of clients that stopped reading ended "
        "with SLOW_CONSUMER, gql_subscriptions_active back to 0 while they still held their "
        f"connections; a healthy subscriber got {len(delays)} of {WRITES} changes, p99 delay "
        f"{p99(delays) * 1000:.0f} ms (beside clients that read: {p99(baseline) * 1000:.0f} ms)"
    )
    print("\n".join(lines))
    assert slow == others
    # The server reset both TCP connections: a FIN would have waited behind the data the
    # clients never read (and kept it in the server's kernel until they did).
    assert aborted == ["reset", "reset"]
    assert len(lines) == 2, server.stderr_tail()
    assert "Traceback" not in server.stderr
