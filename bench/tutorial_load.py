"""The tutorial's load_data.py: one put_item per reading, through a boto3 resource.

    python -m bench.tutorial_load FILE TABLE

Endpoint, region and credentials come from the environment (AWS_ENDPOINT_URL_DYNAMODB and
friends), as they do for `gql load`. Prints the seconds spent writing as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3


def load_data(devices: list[dict[str, Any]], table_name: str) -> None:
    dynamodb = boto3.resource("dynamodb")
    devices_table = dynamodb.Table(table_name)
    for device in devices:
        print("Loading Devices Data:", device["device_id"], device["datacount"])
        devices_table.put_item(Item=device)


def main(argv: list[str] | None = None) -> int:
    file, table = (argv if argv is not None else sys.argv[1:])[:2]
    with Path(file).open(encoding="utf-8") as json_file:
        device_list = json.load(json_file, parse_float=Decimal)
    started = time.perf_counter()
    load_data(device_list, table)
    elapsed = time.perf_counter() - started
    sys.stderr.write(json.dumps({"items": len(device_list), "seconds": elapsed}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
