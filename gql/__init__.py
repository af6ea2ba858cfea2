"""A GraphQL API over the DynamoDB `Devices` readings table."""

__version__ = "0.1.0"
