"""Temperatures round-trip exactly: what a client writes is what DynamoDB holds and reads back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api.conftest import Api

PUT = """mutation ($d: ID!, $t: Float!) {
  putReading(reading: {deviceId: $d, datacount: 1,
                       info: {infoTimestamp: "1612519200", temperature1: $t}}) {
    ... on Reading { info { temperature1 } }
  }
}"""
READ = "query ($d: ID!) { reading(deviceId: $d, datacount: 1) { info { temperature1 } } }"

# Each value, and the digits DynamoDB must hold for it.
NUMBERS = [
    (23.74, "23.74"),
    (0.1, "0.1"),
    (-40.0, "-40"),
    (12.43, "12.43"),
    (1.2345678901234567, "1.2345678901234567"),
    (0.0, "0"),
    (1e-130, "1E-130"),
    (9.99e125, "9.99E+125"),
]


def stored(api: Api, device: str) -> str:
    item = api.client.get_item(
        TableName=api.table,
        Key={"device_id": {"S": device}, "datacount": {"N": "1"}},
        ConsistentRead=True,
    )["Item"]
    number: str = item["info"]["M"]["temperature1"]["N"]
    return number


@pytest.mark.parametrize("number", [n for n, _ in NUMBERS], ids=[t for _, t in NUMBERS])
def test_a_temperature_written_as_a_variable_reads_back_equal(
    api: Api, device: str, number: float
) -> None:
    written = api.data(PUT, {"d": device, "t": number})["putReading"]["info"]["temperature1"]
    read = api.data(READ, {"d": device})["reading"]["info"]["temperature1"]

    assert (written, read) == (number, number)


@pytest.mark.parametrize("number", [n for n, _ in NUMBERS], ids=[t for _, t in NUMBERS])
def test_a_temperature_written_as_a_literal_reads_back_equal(
    api: Api, device: str, number: float
) -> None:
    api.data(
        f"""mutation ($d: ID!) {{ putReading(reading: {{deviceId: $d, datacount: 1,
              info: {{infoTimestamp: "1", temperature1: {number!r}}}}}) {{ __typename }} }}""",
        {"d": device},
    )

    assert api.data(READ, {"d": device})["reading"]["info"]["temperature1"] == number


@pytest.mark.parametrize(("number", "digits"), NUMBERS, ids=[t for _, t in NUMBERS])
def test_a_temperature_is_stored_as_the_decimal_the_client_wrote(
    api: Api, device: str, number: float, digits: str
) -> None:
    api.data(PUT, {"d": device, "t": number})

    # Exactly that decimal, not the binary double nearest to it (23.7399999999999984...).
    assert Decimal(stored(api, device)) == Decimal(digits)


@pytest.mark.parametrize("text", ["23.74", "0.1", "-40.0"])
def test_a_temperature_is_answered_as_the_shortest_json_number(
    api: Api, device: str, text: str
) -> None:
    api.data(PUT, {"d": device, "t": float(text)})

    response = api.http.post("/graphql", json={"query": READ, "variables": {"d": device}})

    assert f'"temperature1":{text}' in response.text.replace(" ", "")
