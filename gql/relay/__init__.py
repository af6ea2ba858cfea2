"""The relay of live changes through Redis: one reader of the table's stream for the whole
deployment. The only importer of `redis` (redis-py; the `redis` extra).

The consumer (`gql derive`, `gql serve --derive`, the Lambda handler) appends every change it
derived to the Redis stream `<table>:changes` (appender.py, its sink); every `gql serve` reads
that stream back (reader.py, the hub's source) instead of reading DynamoDB Streams itself.
Exactly once and in order, or a STREAM_GAP: see scripts.py for the keys and the checks.

codec.py     a change <-> the text of an entry (pure)
scripts.py   the keys, and the Lua scripts that append, open and read atomically
appender.py  Appender: append changes, each once (blocking client, for the consumer's thread)
reader.py    RelaySource: read them back after an id (asyncio client, for the hub)
"""

from gql.relay.appender import Appender
from gql.relay.codec import change_from_text, change_to_text
from gql.relay.reader import RelaySource
from gql.relay.scripts import keys, stream_key

__all__ = [
    "Appender",
    "RelaySource",
    "change_from_text",
    "change_to_text",
    "keys",
    "stream_key",
]
