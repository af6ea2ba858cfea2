"""Cursors: opaque, signed, bound to the query that made them, refused before DynamoDB is asked.

To show that a refused cursor never reaches DynamoDB, the cursor is sent to `tableless`: an
app with the same secret over a table that does not exist, where any request DynamoDB sees
fails with BACKEND_UNAVAILABLE. A genuine cursor does get that (the control test), so
BAD_CURSOR from it means the refusal came first.
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.conftest import (
    OTHER_SECRET,
    SECRET,
    Api,
    also_serving,
    reading,
    store_for,
)

BY_DEVICE = """query ($d: ID!, $after: String, $filter: ReadingCondition,
                      $datacount: DatacountCondition, $order: SortOrder! = ASC) {
  readingsByDevice(deviceId: $d, first: 2, after: $after, filter: $filter,
                   datacount: $datacount, order: $order) {
    edges { node { datacount } } pageInfo { hasNextPage endCursor }
  }
}"""
SCAN = """query ($after: String) {
  scanReadings(first: 2, after: $after) { edges { node { datacount } } pageInfo { endCursor } }
}"""
DEVICE_READINGS = """query ($d: ID!, $after: String) {
  device(deviceId: $d) { readings(first: 2, after: $after) {
    edges { node { datacount } } pageInfo { endCursor } } }
}"""
BASE64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


@pytest.fixture(scope="module")
def tableless(api: Api) -> Iterator[Api]:
    """The same secret, over a table that does not exist: any DynamoDB request fails."""
    store = store_for(api.client, f"Devices-missing-{uuid.uuid4().hex[:8]}", api.backend)
    with also_serving(api, store=store) as served:
        yield served


@pytest.fixture
def seeded(api: Api, device: str) -> str:
    """Readings 1..5 of a fresh device."""
    api.store.batch_put([reading(device, n, temperature1=float(n)) for n in range(1, 6)])
    return device


def end_cursor(api: Api, device: str, **variables: Any) -> str:
    """The endCursor of the first page of readingsByDevice(first: 2) of `device`."""
    page = api.data(BY_DEVICE, {"d": device, **variables})["readingsByDevice"]
    cursor: str = page["pageInfo"]["endCursor"]
    return cursor


def datacounts(api: Api, device: str, **variables: Any) -> list[int]:
    page = api.data(BY_DEVICE, {"d": device, **variables})["readingsByDevice"]
    return [edge["node"]["datacount"] for edge in page["edges"]]


# -- genuine cursors ---------------------------------------------------------------------------


def test_end_cursor_resumes_after_the_last_reading_of_the_page(api: Api, seeded: str) -> None:
    after = end_cursor(api, seeded)

    assert datacounts(api, seeded, after=after) == [3, 4]


def test_paging_in_desc_order_resumes_below_the_last_reading(api: Api, seeded: str) -> None:
    after = end_cursor(api, seeded, order="DESC")

    assert datacounts(api, seeded, order="DESC", after=after) == [3, 2]


def test_paging_with_a_datacount_condition_stays_within_it(api: Api, seeded: str) -> None:
    span = {"between": [2, 4]}
    after = end_cursor(api, seeded, datacount=span)

    assert datacounts(api, seeded, datacount=span, after=after) == [4]


def test_the_cursor_of_an_edge_resumes_after_that_edge(api: Api, seeded: str) -> None:
    edges = api.data(
        """query ($d: ID!) { readingsByDevice(deviceId: $d, first: 2) {
             edges { cursor node { datacount } } } }""",
        {"d": seeded},
    )["readingsByDevice"]["edges"]
    assert edges[0]["node"]["datacount"] == 1

    assert datacounts(api, seeded, after=edges[0]["cursor"]) == [2, 3]


def test_a_genuine_cursor_on_the_tableless_app_reaches_dynamodb(
    api: Api, tableless: Api, seeded: str
) -> None:
    # The control for every refusal below: this cursor passes, and DynamoDB then fails.
    after = end_cursor(api, seeded)

    assert tableless.error_codes(BY_DEVICE, {"d": seeded, "after": after}) == [
        "BACKEND_UNAVAILABLE"
    ]


# -- refused cursors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Misuse:
    """A cursor made with some arguments, then sent with others (or for another device)."""

    made_with: dict[str, Any]
    sent_with: dict[str, Any]
    other_device: bool = False


MISUSES = {
    "another-device": Misuse({}, {}, other_device=True),
    "another-filter": Misuse(
        {"filter": {"temperature1": {"gt": 0}}}, {"filter": {"temperature1": {"gt": 1}}}
    ),
    "filter-dropped": Misuse({"filter": {"temperature1": {"gt": 0}}}, {}),
    "another-order": Misuse({}, {"order": "DESC"}),
    "another-datacount": Misuse({"datacount": {"gte": 1}}, {"datacount": {"gte": 2}}),
    "datacount-added": Misuse({}, {"datacount": {"gte": 1}}),
}


@pytest.mark.parametrize("misuse", list(MISUSES.values()), ids=list(MISUSES))
def test_a_cursor_sent_with_other_arguments_is_refused_before_dynamodb(
    api: Api, tableless: Api, seeded: str, misuse: Misuse
) -> None:
    after = end_cursor(api, seeded, **misuse.made_with)
    device = seeded + "-other" if misuse.other_device else seeded
    sent = {"d": device, **misuse.sent_with, "after": after}

    assert tableless.error_codes(BY_DEVICE, sent) == ["BAD_CURSOR"]


def test_a_scan_cursor_on_readings_by_device_is_refused_before_dynamodb(
    api: Api, tableless: Api, seeded: str
) -> None:
    after = api.data(SCAN)["scanReadings"]["pageInfo"]["endCursor"]

    assert tableless.error_codes(BY_DEVICE, {"d": seeded, "after": after}) == ["BAD_CURSOR"]


def test_a_readings_by_device_cursor_on_scan_readings_is_refused_before_dynamodb(
    api: Api, tableless: Api, seeded: str
) -> None:
    after = end_cursor(api, seeded)

    assert tableless.error_codes(SCAN, {"after": after}) == ["BAD_CURSOR"]


def test_a_readings_by_device_cursor_on_device_readings_is_refused_before_dynamodb(
    api: Api, tableless: Api, seeded: str
) -> None:
    after = end_cursor(api, seeded)

    codes = tableless.error_codes(DEVICE_READINGS, {"d": seeded, "after": after})

    assert codes == ["BAD_CURSOR"]


def alter(cursor: str, index: int) -> str:
    """`cursor` with the character at `index` replaced by its nearest base64url neighbour."""
    position = BASE64URL.index(cursor[index])
    return cursor[:index] + BASE64URL[position ^ 1] + cursor[index + 1 :]


TAMPERINGS: dict[str, Callable[[str], str]] = {
    "payload-char-altered": lambda c: alter(c, len(c) // 4),
    "signature-char-altered": lambda c: alter(c, len(c) - 10),
    "truncated": lambda c: c[:-5],
    "signature-dropped": lambda c: c.partition(".")[0],
    "extra-char": lambda c: c + "A",
    "random-string": lambda c: "a2V5IjoiZGV2aWNlIn0.c2lnbmF0dXJl",
    "not-base64": lambda c: "¡not a cursor!",
    "empty": lambda c: "",
    "huge": lambda c: "A" * 5000,
}


@pytest.mark.parametrize("tamper", list(TAMPERINGS.values()), ids=list(TAMPERINGS))
def test_a_tampered_cursor_is_refused_before_dynamodb(
    api: Api, tableless: Api, seeded: str, tamper: Callable[[str], str]
) -> None:
    after = tamper(end_cursor(api, seeded))

    assert tableless.error_codes(BY_DEVICE, {"d": seeded, "after": after}) == ["BAD_CURSOR"]


def test_a_cursor_with_any_one_character_altered_is_refused(
    api: Api, tableless: Api, seeded: str
) -> None:
    # Each character is replaced by the one next to it in the base64url alphabet, the
    # smallest change there is: the last character of a base64 group carries unused bits.
    genuine = end_cursor(api, seeded)
    accepted = [
        (index, altered)
        for index in range(len(genuine))
        if genuine[index] != "."
        for altered in [alter(genuine, index)]
        if tableless.error_codes(BY_DEVICE, {"d": seeded, "after": altered}) != ["BAD_CURSOR"]
    ]

    assert accepted == [], f"altered cursors accepted (index, cursor), genuine {genuine}"


def test_a_tampered_cursor_is_refused_after_the_table_was_deleted(fresh_api: Api) -> None:
    fresh_api.store.batch_put([reading("d", n) for n in range(1, 6)])
    genuine = end_cursor(fresh_api, "d")
    fresh_api.drop_table()

    tampered = fresh_api.error_codes(BY_DEVICE, {"d": "d", "after": alter(genuine, 20)})
    control = fresh_api.error_codes(BY_DEVICE, {"d": "d", "after": genuine})

    assert (tampered, control) == (["BAD_CURSOR"], ["BACKEND_UNAVAILABLE"])


def test_bad_cursor_error_names_the_after_argument_or_the_cursor(
    api: Api, tableless: Api, seeded: str
) -> None:
    errors = tableless.errors(BY_DEVICE, {"d": seeded, "after": "garbage"})

    assert "cursor" in errors[0]["message"].lower() or "after" in errors[0]["message"]


# -- secrets, replicas and expiry --------------------------------------------------------------


def test_a_cursor_signed_with_another_secret_is_refused(api: Api, seeded: str) -> None:
    after = end_cursor(api, seeded)

    with also_serving(api, cursor_secrets=(OTHER_SECRET,)) as stranger:
        codes = stranger.error_codes(BY_DEVICE, {"d": seeded, "after": after})

    assert codes == ["BAD_CURSOR"]


def test_a_replica_with_the_same_secret_accepts_the_cursor(api: Api, seeded: str) -> None:
    after = end_cursor(api, seeded)

    with also_serving(api) as replica:
        assert datacounts(replica, seeded, after=after) == [3, 4]


def test_a_replica_that_rotated_its_secret_still_accepts_cursors_of_the_old_one(
    api: Api, seeded: str
) -> None:
    after = end_cursor(api, seeded)

    with also_serving(api, cursor_secrets=(OTHER_SECRET, SECRET)) as rotated:
        assert datacounts(rotated, seeded, after=after) == [3, 4]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


TTL = 600


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def timed(api: Api, clock: Clock) -> Iterator[Api]:
    """The same table served by an app whose cursors expire after TTL s of `clock`."""
    with also_serving(api, clock=clock, cursor_ttl_seconds=TTL) as served:
        yield served


def test_a_cursor_is_accepted_until_it_expires(timed: Api, clock: Clock, seeded: str) -> None:
    after = end_cursor(timed, seeded)
    clock.now += TTL - 1

    assert datacounts(timed, seeded, after=after) == [3, 4]


def test_an_expired_cursor_is_refused(timed: Api, clock: Clock, seeded: str) -> None:
    after = end_cursor(timed, seeded)
    clock.now += TTL

    assert timed.error_codes(BY_DEVICE, {"d": seeded, "after": after}) == ["BAD_CURSOR"]
