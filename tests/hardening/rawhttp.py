"""HTTP/1.1 over a bare socket, for requests httpx will not send: a Content-Length that the body
does not match, or a chunked body that stops as soon as the server answers."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float
    body_bytes_sent: int = 0
    notes: list[str] = field(default_factory=list)


def head(port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(sock: socket.socket, deadline: float) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body (by Content-Length) of one response; TimeoutError at deadline."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += _recv(sock, deadline)
    header_block, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = header_block.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        body += _recv(sock, deadline)
    return int(status_line.split(" ")[1]), headers, body[:length]


def _recv(sock: socket.socket, deadline: float) -> bytes:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("no complete response before the deadline")
    sock.settimeout(remaining)
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("the server closed the connection without a complete response")
    return chunk


def send_partial(
    port: int, path: str, headers: dict[str, str], body_prefix: bytes, timeout: float
) -> RawResponse:
    """Send the head and only `body_prefix`, then wait for an answer without sending more."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head(port, path, headers) + body_prefix)
        status, answer_headers, body = read_response(sock, started + timeout)
    return RawResponse(status, answer_headers, body, time.monotonic() - started, len(body_prefix))


def send_chunked(
    port: int, path: str, headers: dict[str, str], chunks: Iterable[bytes], timeout: float
) -> RawResponse:
    """Send a chunked body chunk by chunk, stopping as soon as the server has answered."""
    started = time.monotonic()
    deadline = started + timeout
    sent = 0
    notes: list[str] = []
    all_headers = {**headers, "Transfer-Encoding": "chunked"}
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head(port, path, all_headers))
        for chunk in chunks:
            if time.monotonic() > deadline:
                break
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                notes.append("answered before the body ended")
                break
            try:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except OSError as exc:  # the server answered and closed while we were sending
                notes.append(f"send stopped: {type(exc).__name__}")
                break
            sent += len(chunk)
        else:
            sock.sendall(b"0\r\n\r\n")
            notes.append("whole body sent")
        status, answer_headers, body = read_response(sock, deadline)
    return RawResponse(status, answer_headers, body, time.monotonic() - started, sent, notes)
