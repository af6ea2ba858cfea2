"""Answers read without botocore's walk (gql/store/answers.py) are what botocore's walk gives.

Unit tests hand both parsers the same bodies, written to catch the cases the shortcut must
leave to botocore (blobs, nulls, renamed members, bodies that are not JSON); the backend
tests run every item-carrying operation against moto and DynamoDB Local through a client
made by `make_client`, keep the raw answer each time, and compare what the client returned
with what botocore's own parser makes of that raw answer.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.parsers import JSONParser
from moto import mock_aws

from gql.config import Settings
from gql.store.answers import ItemAnswerParser
from gql.store.client import DynamoDB, make_client
from gql.store.tables import Tables
from tests.conftest import BACKENDS, LOCAL_URL, NO_LOCAL

MODEL = botocore.session.get_session().get_service_model("dynamodb")
BLOB = b"\x00\xffbinary"


def shape(operation: str) -> Any:
    return MODEL.operation_model(operation).output_shape


class CountingParser(ItemAnswerParser):
    """Counts the values botocore's walk visits: 0 when the shortcut answered."""

    walked = 0

    def _parse_shape(self, shape: Any, node: Any) -> Any:
        self.walked += 1
        return super()._parse_shape(shape, node)  # type: ignore[misc]


def both(operation: str, body: bytes) -> tuple[Any, Any, int]:
    response = {"body": body, "headers": {"x-amzn-requestid": "r"}, "status_code": 200}
    ours = CountingParser()
    got = ours.parse(response, shape(operation))
    return got, JSONParser().parse(response, shape(operation)), ours.walked


ITEM = {
    "device_id": {"S": "d1"},
    "datacount": {"N": "7"},
    "info": {"M": {"info_timestamp": {"S": "1612519200"}, "temperature1": {"N": "21.5"}}},
    "tags": {"SS": ["a", "b"]},
    "flags": {"L": [{"BOOL": True}, {"NULL": True}, {"N": "1e3"}]},
    "note": {"S": 'a "quoted" text, "B": "BS" \\ ünïcode'},
}


@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")])
def test_a_plain_page_is_taken_as_it_is_and_equals_botocores(separators: tuple[str, str]) -> None:
    page = {"Items": [ITEM] * 3, "Count": 3, "ScannedCount": 5, "LastEvaluatedKey": ITEM}
    page["ConsumedCapacity"] = {"TableName": "Devices", "CapacityUnits": 0.5}
    got, expected, walked = both("Scan", json.dumps(page, separators=separators).encode())
    assert got == expected
    assert walked == 0


BLOBS = {"B": base64.b64encode(BLOB).decode()}
WALKED: dict[str, dict[str, Any]] = {
    "a blob": {"Item": {**ITEM, "raw": BLOBS}},
    "a binary set": {"Item": {"raw": {"BS": [BLOBS["B"]]}}},
    "a blob in a map, spaced": {"Item": {"m": {"M": {"x": BLOBS}}}},
    "an attribute named B": {"Item": {"B": {"S": "x"}}},
    "a null member": {"Item": ITEM, "ConsumedCapacity": None},
    "a null in a list": {"Items": [ITEM, None], "Count": 2},
    "a string that reads like a null": {"Item": {"note": {"S": ", null"}}},
    "a count past 64 bits": {"Items": [], "Count": 123456789012345678901234567890},
}


@pytest.mark.parametrize("name", list(WALKED))
def test_blobs_and_nulls_are_left_to_botocore(name: str) -> None:
    operation = "Scan" if "Items" in WALKED[name] else "GetItem"
    separators = (", ", " : ") if "spaced" in name else (",", ":")
    body = json.dumps(WALKED[name], separators=separators).encode()
    got, expected, walked = both(operation, body)
    assert got == expected
    assert walked > 0  # a false alarm ("a string ...") only costs botocore's walk


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("Scan", b""),  # an empty body
        ("Scan", b"not json"),
        ("DescribeTable", b'{"Table": {"TableName": "T", "CreationDateTime": 1612519200.5}}'),
    ],
)
def test_what_orjson_or_the_model_refuse_is_botocores(operation: str, body: bytes) -> None:
    got, expected, walked = both(operation, body)
    assert got == expected
    if body.startswith(b"{"):
        assert walked > 0


def test_only_outputs_without_timestamps_or_renamed_members_qualify() -> None:
    parser = ItemAnswerParser()
    qualifies = {
        name: parser.qualifies(shape(name))
        for name in MODEL.operation_names
        if shape(name) is not None
    }
    for operation in ("GetItem", "Query", "Scan", "BatchGetItem", "PutItem", "UpdateItem"):
        assert qualifies[operation], operation
    for operation in ("DeleteItem", "BatchWriteItem", "TransactGetItems", "ExecuteStatement"):
        assert qualifies[operation], operation
    for operation in ("DescribeTable", "CreateTable", "ListBackups", "DescribeContinuousBackups"):
        assert not qualifies[operation], operation  # they hold timestamps
    # Whole numbers are checked after reading at the top level only (a count past 64 bits is
    # a float to orjson): an output with one deeper down is botocore's.
    assert parser.verdict(shape("Query")) == ("Count", "ScannedCount")
    assert parser.verdict(shape("GetItem")) == ()
    assert not qualifies["DescribeTableReplicaAutoScaling"]


# -- against the backends ---------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def clients(request: pytest.FixtureRequest) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    """A make_client client of the backend, and the raw answers it got (before-parse)."""
    settings = Settings(backend="aws", region="us-east-1")
    if request.param == "dynamodb-local":
        if not LOCAL_URL:
            pytest.skip(NO_LOCAL)
        request.node.user_properties.append(("backend", "dynamodb-local"))
        creds = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
        client = make_client(settings, endpoint_url=LOCAL_URL, **creds)
        yield from _recording(client)
        return
    with mock_aws():
        yield from _recording(make_client(settings))


def _recording(client: Any) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    raw: list[dict[str, Any]] = []

    def keep(response_dict: dict[str, Any], operation_model: Any, **_: Any) -> None:
        raw.append({"response": dict(response_dict), "shape": operation_model.output_shape})

    client.meta.events.register("before-parse.dynamodb", keep)
    yield client, raw


def test_every_item_answer_of_a_backend_is_what_botocore_makes_of_it(
    clients: tuple[Any, list[dict[str, Any]]],
) -> None:
    client, raw = clients
    table = f"Answers-{uuid.uuid4().hex[:8]}"
    tables = Tables(DynamoDB(client, table), sleep=lambda _: None)
    tables.create(wait=True, stream=False)
    del raw[:]  # the table's creation
    try:
        _every_operation(client, table, raw)
    finally:
        tables.delete()


def _every_operation(client: Any, table: str, raw: list[dict[str, Any]]) -> None:
    blob_item = {**ITEM, "datacount": {"N": "8"}, "raw": {"B": BLOB}, "set": {"BS": [BLOB]}}
    key = {"device_id": {"S": "d1"}, "datacount": {"N": "7"}}
    answers: list[tuple[str, dict[str, Any]]] = []

    def call(operation: str, **params: Any) -> None:
        answers.append((operation, getattr(client, operation)(**params)))

    call("put_item", TableName=table, Item=ITEM)
    call("put_item", TableName=table, Item=ITEM, ReturnValues="ALL_OLD")
    call("put_item", TableName=table, Item=blob_item)
    call("get_item", TableName=table, Key=key)
    call("get_item", TableName=table, Key={**key, "datacount": {"N": "8"}})
    call("get_item", TableName=table, Key={**key, "datacount": {"N": "99"}})  # no item
    for limit in (1, 10):
        call(
            "query",
            TableName=table,
            KeyConditionExpression="device_id = :d",
            ExpressionAttributeValues={":d": {"S": "d1"}},
            Limit=limit,
            ReturnConsumedCapacity="TOTAL",
        )
    call("scan", TableName=table, Limit=1)
    call("scan", TableName=table)
    call("batch_get_item", RequestItems={table: {"Keys": [key]}})
    call(
        "update_item",
        TableName=table,
        Key=key,
        UpdateExpression="SET version = :v",
        ExpressionAttributeValues={":v": {"N": "2"}},
        ReturnValues="ALL_NEW",
    )
    call("transact_get_items", TransactItems=[{"Get": {"TableName": table, "Key": key}}])
    call("delete_item", TableName=table, Key=key, ReturnValues="ALL_OLD")
    call("describe_table", TableName=table)

    assert len(raw) == len(answers)
    shortcuts = 0
    for (operation, answer), kept in zip(answers, raw, strict=True):
        expected = JSONParser().parse(kept["response"], kept["shape"])
        for parsed in (answer, expected):
            parsed.pop("ResponseMetadata", None)
        assert answer == expected, operation
        taken = ItemAnswerParser().shortcut(kept["response"]["body"], kept["shape"])
        shortcuts += taken is not None
    assert shortcuts >= 10  # most answers above took the shortcut (blobs and tables did not)
    blob_answers = [a for op, a in answers if op == "get_item" and "raw" in a.get("Item", {})]
    assert [a["Item"]["raw"]["B"] for a in blob_answers] == [BLOB]
