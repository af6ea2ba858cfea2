"""Signed page cursors: what is accepted, and why each refusal says what it says."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from gql.cursor import decode_cursor, encode_cursor, scope_of
from gql.errors import BadCursorError
from gql.models import ReadingKey

SECRET = b"s3cret-s3cret-s3cret-s3cret-0001"
OLD_SECRET = b"old-secret-old-secret-old-secret"
KEY = ReadingKey("10001", 3)
SCOPE = scope_of("readingsByDevice", {"deviceId": "10001", "order": "ASC"})
NOW = 1_700_000_000.0
TTL = 3600

MALFORMED = "cursor is malformed: it was not made by this server"
NOT_BASE64 = "cursor is malformed: it is not valid base64url"
BAD_SIGNATURE = "cursor signature does not match: it was altered or is foreign"
UNREADABLE = "cursor is malformed: its payload is unreadable"
UNKNOWN_VERSION = "cursor is malformed: unknown version or key"
OTHER_QUERY = "cursor was made by a different query or with other arguments"
EXPIRED = "cursor has expired: start again from the first page"


def make(
    key: ReadingKey = KEY, *, scope: str = SCOPE, secret: bytes = SECRET, now: float = NOW
) -> str:
    return encode_cursor(key, scope=scope, secret=secret, now=now, ttl_seconds=TTL)


def read(token: str, *, secrets: tuple[bytes, ...] = (SECRET,), now: float = NOW) -> ReadingKey:
    return decode_cursor(token, scope=SCOPE, secrets=secrets, now=now)


def refusal(token: str, *, secrets: tuple[bytes, ...] = (SECRET,), now: float = NOW) -> str:
    with pytest.raises(BadCursorError) as caught:
        read(token, secrets=secrets, now=now)
    return str(caught.value)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed(payload: bytes, secret: bytes = SECRET) -> str:
    """A token with a valid signature over any payload, as only the server could make it."""
    return f"{b64(payload)}.{b64(hmac.new(secret, payload, hashlib.sha256).digest())}"


def payload_of(token: str) -> dict[str, object]:
    body = token.split(".")[0]
    data: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return data


def test_cursor_round_trips_to_the_same_key() -> None:
    assert read(make()) == KEY


def test_cursor_is_url_safe_text_without_padding() -> None:
    token = make(ReadingKey("device/with+odd?chars", 2**31 - 1))

    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_cursor_payload_names_key_scope_and_expiry() -> None:
    assert payload_of(make()) == {"v": 1, "d": "10001", "c": 3, "s": SCOPE, "e": 1_700_003_600}


def test_tampered_payload_is_rejected() -> None:
    signature = make().split(".")[1]
    forged = json.dumps(
        {"v": 1, "d": "10001", "c": 999, "s": SCOPE, "e": 1_700_003_600}, separators=(",", ":")
    )

    assert refusal(f"{b64(forged.encode())}.{signature}") == BAD_SIGNATURE


def test_tampered_signature_is_rejected() -> None:
    body, signature = make().split(".")
    first = "B" if signature[0] == "A" else "A"

    assert refusal(f"{body}.{first}{signature[1:]}") == BAD_SIGNATURE


def test_cursor_with_characters_inserted_is_rejected() -> None:
    body, signature = make().split(".")

    assert refusal(f"{body[:8]}!!!!{body[8:]}.{signature}") == NOT_BASE64


def test_cursor_with_padding_appended_is_rejected() -> None:
    assert refusal(make() + "==") == NOT_BASE64


def test_cursor_with_non_canonical_base64_is_rejected() -> None:
    # 32 signature bytes take 43 characters; the last one carries 2 unused bits, so a
    # different last character can decode to the very same bytes.
    body, signature = make().split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = alphabet[alphabet.index(signature[-1]) ^ 1]

    assert refusal(f"{body}.{signature[:-1]}{twin}") == NOT_BASE64


def test_truncated_signature_is_rejected() -> None:
    # 40 characters are whole bytes (30), so only the signature check can catch this.
    assert refusal(make()[:-3]) == BAD_SIGNATURE


def test_cursor_cut_before_its_signature_is_rejected() -> None:
    assert refusal(make().split(".")[0]) == MALFORMED


@pytest.mark.parametrize("token", ["not-a-cursor", "a.b.c", "...."])
def test_token_without_exactly_one_dot_is_rejected(token: str) -> None:
    assert refusal(token) == MALFORMED


@pytest.mark.parametrize("token", ["a.b", ".", "abcd."])
def test_token_that_is_not_base64url_is_rejected(token: str) -> None:
    assert refusal(token) == NOT_BASE64


def test_garbage_token_is_rejected_as_not_base64url() -> None:
    assert refusal("@@@@.!!!!") == NOT_BASE64


def test_empty_cursor_is_rejected() -> None:
    assert refusal("") == MALFORMED


def test_non_ascii_cursor_is_rejected() -> None:
    body, signature = make().split(".")

    assert refusal(f"{body}é.{signature}") == NOT_BASE64


def test_too_long_cursor_is_rejected_before_decoding() -> None:
    body, signature = make().split(".")
    padded = f"{body}.{signature}{'A' * (1025 - len(body) - len(signature) - 1)}"

    assert len(padded) == 1025
    assert refusal(padded) == MALFORMED


def test_cursor_from_another_query_is_rejected() -> None:
    token = make(scope=scope_of("scanReadings", {}))

    assert refusal(token) == OTHER_QUERY


def test_cursor_made_with_other_arguments_is_rejected() -> None:
    token = make(scope=scope_of("readingsByDevice", {"deviceId": "10002", "order": "ASC"}))

    assert refusal(token) == OTHER_QUERY


def test_cursor_is_accepted_until_the_second_it_expires() -> None:
    assert read(make(), now=NOW + TTL - 1) == KEY


def test_expired_cursor_is_rejected() -> None:
    assert refusal(make(), now=NOW + TTL) == EXPIRED


def test_cursor_signed_with_an_old_secret_is_accepted_during_rotation() -> None:
    token = make(secret=OLD_SECRET)

    assert read(token, secrets=(SECRET, OLD_SECRET)) == KEY


def test_cursor_signed_with_a_retired_secret_is_rejected() -> None:
    assert refusal(make(secret=OLD_SECRET), secrets=(SECRET,)) == BAD_SIGNATURE


def test_cursor_signed_with_a_foreign_secret_is_rejected() -> None:
    assert refusal(make(secret=b"someone-else-entirely-0000000000")) == BAD_SIGNATURE


def test_signed_payload_that_is_not_json_is_rejected() -> None:
    assert refusal(signed(b"not json")) == UNREADABLE


def test_signed_payload_missing_a_field_is_rejected() -> None:
    assert refusal(signed(b'{"v":1,"d":"10001","c":3,"s":"x"}')) == UNREADABLE


def test_signed_payload_that_is_a_list_is_rejected() -> None:
    assert refusal(signed(b"[1,2,3]")) == UNREADABLE


@pytest.mark.parametrize(
    "payload",
    [
        {"v": 2, "d": "10001", "c": 3},
        {"v": 1, "d": 10001, "c": 3},
        {"v": 1, "d": "10001", "c": "3"},
        {"v": 1, "d": "10001", "c": 3.0},
        {"v": 1, "d": "10001", "c": True},
    ],
)
def test_signed_payload_of_unknown_version_or_key_type_is_rejected(
    payload: dict[str, object],
) -> None:
    token = signed(json.dumps({**payload, "s": SCOPE, "e": 1_700_003_600}).encode())

    assert refusal(token) == UNKNOWN_VERSION


def test_signed_payload_with_a_non_integer_expiry_is_rejected() -> None:
    token = signed(json.dumps({"v": 1, "d": "10001", "c": 3, "s": SCOPE, "e": "never"}).encode())

    assert refusal(token) == EXPIRED


def test_scope_is_the_same_for_the_same_query() -> None:
    assert scope_of("readingsByDevice", {"deviceId": "10001", "order": "ASC"}) == SCOPE


def test_scope_does_not_depend_on_argument_order() -> None:
    assert scope_of("readingsByDevice", {"order": "ASC", "deviceId": "10001"}) == SCOPE


def test_scope_is_32_hex_digits() -> None:
    assert len(SCOPE) == 32
    assert int(SCOPE, 16) >= 0


def test_scope_differs_when_an_argument_differs() -> None:
    assert scope_of("readingsByDevice", {"deviceId": "10001", "order": "DESC"}) != SCOPE


def test_scope_differs_when_the_field_differs() -> None:
    assert scope_of("device.readings", {"deviceId": "10001", "order": "ASC"}) != SCOPE
