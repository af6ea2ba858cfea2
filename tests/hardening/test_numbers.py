"""Numbers: what a client writes comes back as the same JSON number; what DynamoDB cannot store
(NaN, Infinity, out of range, over 38 significant digits) is refused with BAD_USER_INPUT.

Bodies are written by hand, so the number text reaches the server exactly as given (NaN and
Infinity are tokens Python's json module reads and writes but JSON itself does not have).
GraphQL's Float is an IEEE double, so "the same JSON number" means the same double: that is
what a JavaScript client parses, and what json.loads gives for a number with a fraction or an
exponent. The figure reports what DynamoDB stored.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from gql.store.client import DynamoDB
from gql.store.readings import ReadingStore
from gql.store.tables import Tables
from tests.api.conftest import settings_for
from tests.conftest import local_client
from tests.hardening.conftest import Figure, Http, codes, new_moto_store, served, unique_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DIGITS_38 = "12345678901234567890123456789012345678"
DIGITS_38_FRACTION = "1234567890123456789.0123456789012345678"
DIGITS_39 = "123456789012345678901234567890123456789"
DIGITS_39_FRACTION = "1234567890123456789.01234567890123456789"
ROUND_TRIPS = ["23.74", "0.1", "-40.0", DIGITS_38, DIGITS_38_FRACTION]
PUT_VARIABLE = (
    "mutation($t: Float) { putReading(reading: {deviceId: $d, datacount: 1, "
    'info: {infoTimestamp: "1612519200", temperature1: $t}}) { __typename } }'
)
PUT_LITERAL = (
    "mutation { putReading(reading: {deviceId: %s, datacount: 1, "
    'info: {infoTimestamp: "1612519200", temperature1: %s}}) { __typename } }'
)
READ = (
    "query($d: ID!) { reading(deviceId: $d, datacount: 1, consistentRead: true) "
    "{ info { temperature1 } } }"
)


@dataclass
class Backend:
    name: str
    http: Http
    client: DynamoDBClient
    table: str

    def put(self, device_id: str, text: str, form: str) -> httpx.Response:
        """putReading with temperature1 given as `text`, as a variable or as a literal."""
        if form == "variable":
            query = PUT_VARIABLE.replace("$d", json.dumps(device_id))
            content = f'{{"query": {json.dumps(query)}, "variables": {{"t": {text}}}}}'
        else:
            content = json.dumps({"query": PUT_LITERAL % (json.dumps(device_id), text)})
        return self.http.client.post(
            "/graphql", content=content, headers={"content-type": "application/json"}
        )

    def read(self, device_id: str) -> httpx.Response:
        return self.http.post(READ, {"d": device_id})

    def stored(self, device_id: str) -> str | None:
        """temperature1 as DynamoDB holds it (the N text), or None when there is no item."""
        item = self.client.get_item(
            TableName=self.table,
            Key={"device_id": {"S": device_id}, "datacount": {"N": "1"}},
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return None
        value: str = item["info"]["M"]["temperature1"]["N"]
        return value


@pytest.fixture(scope="module", params=["moto", "dynamodb-local"])
def backend(request: pytest.FixtureRequest, moto_client: DynamoDBClient) -> Iterator[Backend]:
    if request.param == "moto":
        store = new_moto_store(moto_client)
        with served(settings_for(store.table), store) as http:
            yield Backend("moto", http, moto_client, store.table)
        return
    client = local_client()
    table = unique_table()
    tables = Tables(DynamoDB(client, table), sleep=lambda _: None)
    tables.create(wait=True)
    try:
        with served(settings_for(table), ReadingStore(client, table)) as http:
            yield Backend("dynamodb-local", http, client, table)
    finally:
        tables.delete()
        client.close()


@pytest.fixture(autouse=True)
def _count_dynamodb_local(request: pytest.FixtureRequest) -> None:
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("backend") == "dynamodb-local":
        request.node.user_properties.append(("backend", "dynamodb-local"))


def as_double(text: str) -> float:
    """The JSON number as a client that reads every number as a double parses it."""
    return float(Decimal(text))


@pytest.mark.parametrize("form", ["variable", "literal"])
@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_number_round_trips(backend: Backend, text: str, form: str, figure: Figure) -> None:
    device_id = f"n-{uuid.uuid4().hex[:8]}"
    written = backend.put(device_id, text, form).json()
    read = backend.read(device_id)
    reading = read.json()["data"]["reading"]
    returned = read.text.split('"temperature1":')[1].rstrip("}") if reading else None
    figure(
        f"{backend.name}, {form} {text}: write {codes(written) or 'ok'}, stored N "
        f"{backend.stored(device_id)!r}, returned {returned}"
    )
    assert written == {"data": {"putReading": {"__typename": "Reading"}}}
    assert float(reading["info"]["temperature1"]) == as_double(text)


REFUSED = {
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "1e400": "1e400",
    "39-digits": DIGITS_39,
    "39-digits-fraction": DIGITS_39_FRACTION,
}
LITERAL_ONLY_INVALID = {"NaN", "Infinity", "-Infinity"}  # not GraphQL number syntax at all


@pytest.mark.parametrize("form", ["variable", "literal"])
@pytest.mark.parametrize("name", REFUSED)
def test_unstorable_number_is_refused(
    http: Http, module_store: ReadingStore, name: str, form: str, figure: Figure
) -> None:
    backend = Backend("moto", http, module_store.db.client, module_store.table)
    device_id = f"r-{uuid.uuid4().hex[:8]}"
    response = backend.put(device_id, REFUSED[name], form)
    body: dict[str, Any] = response.json()
    stored = backend.stored(device_id)
    figure(
        f"{form} {name}: HTTP {response.status_code} {codes(body)} "
        f"{(body.get('errors') or [{}])[0].get('message', '')!r}; stored {stored!r}"
    )
    assert codes(body) == ["BAD_USER_INPUT"]
    assert stored is None
