"""Everything that speaks DynamoDB. Only this package imports boto3 or botocore.

client.py (one door for every table request, errors translated once), streamclient.py (the same
for DynamoDB Streams), readings.py (reads and writes), codec.py and expressions.py (pure),
tables.py, batch.py, bulk.py, history.py (stats and series by walking readings), stream.py (the
live change reader), embedded.py (the zero-setup backend), migrate.py and walk.py (maintenance).

The derived history (gql/derive has the design): timeindex.py (the GSI and recorded_at),
windows.py (pages of a window through it), historycodec.py and historytable.py (the history
table's items and the API's reads of it), assembly.py (stats and series from rollups),
derivation.py, rolluptable.py, rollupcache.py, periodcache.py and indexfix.py (the consumer's
recomputation), records.py and feed.py with positions.py (the stream as the consumer reads it),
rebuild.py.
"""

from typing import TYPE_CHECKING

from gql.store.assembly import Assembly
from gql.store.batch import MAX_READINGS, AtomicBatch, Outcome
from gql.store.budget import Budget, within
from gql.store.bulk import BulkWriter
from gql.store.client import INDEX_MISSING, CallRecord, DynamoDB, Observer, make_client
from gql.store.codec import to_number
from gql.store.derivation import Deriver, DeviceWork
from gql.store.feed import Round, StreamFeed
from gql.store.history import Cut, History, Series, Stats
from gql.store.historycodec import Entry, Status
from gql.store.historytable import HistoryTable
from gql.store.indexfix import fix_index
from gql.store.migrate import LegacyMigration
from gql.store.periodcache import PeriodCache
from gql.store.readings import BATCH_GET_SIZE, ReadingStore
from gql.store.rebuild import Rebuild, Summary
from gql.store.records import StreamRecord, record_of
from gql.store.stream import StreamReader, make_streams_client
from gql.store.tableinfo import STREAM_VIEW, HistoryInfo, TableInfo
from gql.store.tables import IndexOutcome, StreamOutcome, Tables
from gql.store.timeindex import IndexFix
from gql.store.walk import reading_pages
from gql.store.windows import IndexUnavailableError, window_page

if TYPE_CHECKING:
    from gql.store.embedded import Embedded, start_embedded

__all__ = [
    "BATCH_GET_SIZE",
    "INDEX_MISSING",
    "MAX_READINGS",
    "STREAM_VIEW",
    "Assembly",
    "AtomicBatch",
    "Budget",
    "BulkWriter",
    "CallRecord",
    "Cut",
    "Deriver",
    "DeviceWork",
    "DynamoDB",
    "Embedded",
    "Entry",
    "History",
    "HistoryInfo",
    "HistoryTable",
    "IndexFix",
    "IndexOutcome",
    "IndexUnavailableError",
    "LegacyMigration",
    "Observer",
    "Outcome",
    "PeriodCache",
    "ReadingStore",
    "Rebuild",
    "Round",
    "Series",
    "Stats",
    "Status",
    "StreamFeed",
    "StreamOutcome",
    "StreamReader",
    "StreamRecord",
    "Summary",
    "TableInfo",
    "Tables",
    "fix_index",
    "make_client",
    "make_streams_client",
    "reading_pages",
    "record_of",
    "start_embedded",
    "to_number",
    "window_page",
    "within",
]


def __getattr__(name: str) -> object:
    # The embedded backend runs on moto, whose import takes longer than the rest of the package:
    # only what uses it (the server on the embedded backend) pays for it.
    if name in ("Embedded", "start_embedded"):
        from gql.store import embedded

        return getattr(embedded, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
