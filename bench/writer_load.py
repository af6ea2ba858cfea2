"""The floor for `gql load`: boto3's own `batch_writer()`, on N threads, as a user would write it.

    python -m bench.writer_load FILE TABLE --threads N

Endpoint, region and credentials come from the environment (AWS_ENDPOINT_URL_DYNAMODB and
friends), as they do for `gql load`. The file is a JSON array of readings (the bench writes
it); each thread writes a contiguous slice through its own batch_writer, which sends 25 items
a request and re-sends unprocessed ones. Prints the seconds spent writing as JSON on stderr.

Each item is written as `gql load` stores it: with `recorded_at`, the numeric copy of its
timestamp that the time index is keyed on (the tutorial's readings all have numeric ones), and
`version` 1. A user loading a table that has the index writes that attribute too, or the
consumer must add it afterwards, one more write a reading; and without it DynamoDB writes no
index entry, so the floor would do a third less work than `gql load` does.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config


def write(items: list[dict[str, Any]], table_name: str, threads: int) -> None:
    # One client shared by the threads (botocore clients are thread-safe), pooled to match.
    resource = boto3.resource("dynamodb", config=Config(max_pool_connections=max(10, threads)))
    table = resource.Table(table_name)

    def write_slice(part: list[dict[str, Any]]) -> None:
        with table.batch_writer() as batch:
            for item in part:
                batch.put_item(Item=item)

    size = -(-len(items) // threads)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(write_slice, [items[i : i + size] for i in range(0, len(items), size)]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.writer_load")
    parser.add_argument("file", type=Path)
    parser.add_argument("table")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    with args.file.open(encoding="utf-8") as json_file:
        items = json.load(json_file, parse_float=Decimal)
    for item in items:
        item["recorded_at"] = Decimal(item["info"]["info_timestamp"])
        item["version"] = 1
    started = time.perf_counter()
    write(items, args.table, args.threads)
    elapsed = time.perf_counter() - started
    sys.stderr.write(json.dumps({"items": len(items), "seconds": elapsed}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
