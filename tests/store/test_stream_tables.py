"""The table's stream through `Tables`, on both backends: in-process moto (which backs the
embedded server and keeps a StreamSpecification, though it serves no stream) and DynamoDB
Local. Turning a stream on again after it was off is tested on DynamoDB Local only
(tests/store/test_stream_local.py): moto refuses it with ResourceInUseException."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gql.store.client import DynamoDB
from gql.store.tables import Tables

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def test_create_turns_the_stream_on_with_new_and_old_images(
    client: DynamoDBClient, stream_table: str
) -> None:
    spec = client.describe_table(TableName=stream_table)["Table"].get("StreamSpecification")

    assert spec == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_stream_on_of_a_table_made_by_create_changes_nothing(
    client: DynamoDBClient, stream_table: str
) -> None:
    tables = Tables(DynamoDB(client, stream_table), sleep=lambda _: None)
    before = tables.describe()

    assert tables.stream_on() == ("already-on", before)


def test_stream_off_turns_it_off_and_describe_says_so(
    client: DynamoDBClient, stream_table: str
) -> None:
    tables = Tables(DynamoDB(client, stream_table), sleep=lambda _: None)

    outcome, info = tables.stream_off()

    assert (outcome, info.stream_view, info.stream_arn) == ("turned-off", None, None)
    assert "StreamSpecification" not in client.describe_table(TableName=stream_table)["Table"]
    assert "stream:     off (live changes need it: gql table stream on)" in info.lines()
