"""Everything that speaks DynamoDB. Only this package imports boto3 or botocore."""

from gql.store.readings import ReadingStore

__all__ = ["ReadingStore"]
