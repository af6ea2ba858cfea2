"""Opaque page cursors: a reading key signed with HMAC-SHA256, bound to a query, with an expiry.

A token is `base64url(payload) "." base64url(mac)`. The payload names the key to resume after,
a digest of the query that made it (field and arguments, not `first`), and an expiry time. It
is checked in that order: shape, signature, query, expiry, so the error says what went wrong.
Pure: the secret and the clock are passed in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Sequence

from gql.errors import BadCursorError
from gql.models import ReadingKey

_VERSION = 1
_MAX_TOKEN_LENGTH = 1024
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def scope_of(field: str, arguments: object) -> str:
    """A short digest naming the query a cursor belongs to; `arguments` must be JSON-able."""
    canonical = json.dumps([field, arguments], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def encode_cursor(
    key: ReadingKey, *, scope: str, secret: bytes, now: float, ttl_seconds: int
) -> str:
    payload = json.dumps(
        {
            "v": _VERSION,
            "d": key.device_id,
            "c": key.datacount,
            "s": scope,
            "e": int(now) + ttl_seconds,
        },
        separators=(",", ":"),
    ).encode()
    mac = hmac.new(secret, payload, hashlib.sha256).digest()
    return f"{_b64encode(payload)}.{_b64encode(mac)}"


def decode_cursor(token: str, *, scope: str, secrets: Sequence[bytes], now: float) -> ReadingKey:
    """The key a cursor resumes after, or BadCursorError saying why it was refused."""
    if len(token) > _MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise BadCursorError("cursor is malformed: it was not made by this server")
    body, _, signature = token.partition(".")
    try:
        payload = _b64decode(body)
        mac = _b64decode(signature)
    except (ValueError, binascii.Error):
        raise BadCursorError("cursor is malformed: it is not valid base64url") from None
    if not any(
        hmac.compare_digest(mac, hmac.new(s, payload, hashlib.sha256).digest()) for s in secrets
    ):
        raise BadCursorError("cursor signature does not match: it was altered or is foreign")
    try:
        data = json.loads(payload)
        version, device_id, datacount = data["v"], data["d"], data["c"]
        cursor_scope, expires = data["s"], data["e"]
    except (ValueError, KeyError, TypeError):
        raise BadCursorError("cursor is malformed: its payload is unreadable") from None
    if version != _VERSION or not isinstance(device_id, str) or type(datacount) is not int:
        raise BadCursorError("cursor is malformed: unknown version or key")
    if cursor_scope != scope:
        raise BadCursorError("cursor was made by a different query or with other arguments")
    if not isinstance(expires, int) or now >= expires:
        raise BadCursorError("cursor has expired: start again from the first page")
    return ReadingKey(device_id, datacount)


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    # The standard decoder skips characters outside the alphabet and accepts several spellings
    # of the same bytes; only the one spelling this module writes is accepted.
    if not _B64URL.fullmatch(text):
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64encode(raw) != text:
        raise ValueError("not canonical base64url")
    return raw
