"""The consumer: the table's changes -> time-index attribute, rollups and device registry.

What is derived (the history table, `<table>History`, key pk/sk, both strings):

    pk = device id, sk = "5m#<start>" | "1h#.." | "1d#.." | "1M#.." | "1y#..", or "none"
        a rollup: one device, one UTC-aligned period (5 minutes, hour, day, calendar month,
        calendar year; <start> is its first second, offset and zero-padded so that strings
        sort as numbers), or the readings whose timestamp is not a time ("none"). Attributes:
        v (version: a random number, new with every write), n (count), lo/hi (lowest/highest
        datacount), t0/t1 (earliest/latest time), and per temperature k: c<k> count, s<k>
        exact decimal sum (a string), m<k>/x<k> min/max. A rollup whose readings are all gone
        is kept with n = 0 (never deleted: its version must outlive it, see step 4).
    pk = "#", sk = "r#<device id>"     the registry entry: the device's total (every year plus
        "none"), so `devices`, readingCount and first/lastRecordedAt read one item each.
        A device whose readings are all deleted keeps an entry with n = 0, which `devices`
        leaves out and `device(deviceId:)` answers as readingCount 0. It also holds the
        device's open periods: `head` (the newest 5-minute period derived; it only moves
        forward) and `open`, a map of the rollups of the 5-minute period, hour, day, month and
        year that hold it. Those live there instead of in items of their own (an item of such a
        period, if any, is stale and ignored), so a device reporting now costs one write a
        batch, not one per level; the periods the head leaves are written to their items.
    pk = "#", sk = "s#<reporter>"      a consumer's status: upTo, backlog, when it reported.
    pk = "#", sk = "c#<stream>#<shard>" a shard's checkpoint: last sequence derived, done.

The time index is a GSI of the readings table on (device_id, recorded_at): recorded_at is the
numeric copy of info.info_timestamp (NOT_A_TIME when it is not a time), written by the API
with every write and added or corrected here for readings written by anyone else.

How a batch of changes is derived (gql/derive/plan.py is the pure part, the I/O is in
gql/store/derivation.py):

1. Index: for each reading whose newest image in the batch lacks a correct recorded_at, one
   conditional write sets it, on condition that the timestamp is still the one in the image
   (otherwise a later change is on its way and will be corrected in turn). It bumps no
   version, and the change it makes is not delivered to `readingChanges`.
2. For each device, the 5-minute periods touched by any image (old or new) of the batch are
   recomputed from the source, the index, never adjusted by a delta: so replays, duplicates,
   out-of-order delivery across shards and deletes of a period's min or max are harmless.
   A GSI is eventually consistent, so the result is used only once every reading that
   triggered it is seen there as its newest image says (or as the table now holds it);
   otherwise it is read again after a pause.
3. Coarser periods are recomputed from their children (hour from its 5-minute rollups, day from
   hours, month from days, year from months), and the registry entry from the years and
   "none" (gql/store/rollupplan.py).
4. Everything a device's recomputation changed is written (finest periods first, the
   registry entry, with the open periods it holds, last), and every parent of a rollup
   written too, each item on condition that its version is the one read; the registry entry
   is read before any rollup. A concurrent recomputation (another consumer, Lambda on another
   shard or retrying, a rebuild) that wrote its entry first makes the last write fail, and the
   device is recomputed again. So every entry write that succeeds is by a writer that read
   every other successful writer's rollups: every parent is its children combined (the
   argument: gql/store/rollupcache.py). A consumer keeps the rollups it read, updated with its
   own writes, so that it does not read the same hours and days batch after batch; what it
   keeps stale makes its write fail, and it reads again.
5. The sink, when there is one, gets the batch's changes (those that changed a reading, in
   DynamoDB's order for each reading, with their sequence numbers): the seam for the Redis
   relay (issue 17). Only then is the batch checkpointed, so a crash replays to the sink too.
6. The status is reported: upTo (every change recorded before it is reflected), backlog.

Ways to run it: `gql derive` (a long-running process reading the stream, checkpointed in the
history table: consumer.py, feed in gql/store/feed.py), `gql serve --derive` (the same inside
the server), the embedded backend (inprocess.py: every write derived right after it, and reads
wait for it, so `make serve` needs nothing), `lambda_handler` (lambdas.py: a DynamoDB Streams
event source mapping with ReportBatchItemFailures), and `gql derive rebuild`, which recomputes
all of it from the readings themselves (gql/store/rebuild.py; tables that existed before).

Until a consumer or a rebuild has reported in the history table, the API does not use any of
this (gql/schema/history.py): stats, series and windows read the readings, as in round 2.
"""

from gql.derive.batch import BatchDeriver, Outcome
from gql.derive.consumer import Consumer, DerivationFailedError, Sink
from gql.derive.inprocess import InProcess
from gql.derive.lambdas import lambda_handler
from gql.derive.wiring import Background, consumer_for, rebuild, relay_package

__all__ = [
    "Background",
    "BatchDeriver",
    "Consumer",
    "DerivationFailedError",
    "InProcess",
    "Outcome",
    "Sink",
    "consumer_for",
    "lambda_handler",
    "rebuild",
    "relay_package",
]
