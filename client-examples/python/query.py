"""Query: every reading of one device, in datacount order (the tutorial's query.py).

    python query.py [DEVICE_ID]    # default 10001

readingsByDevice returns pages of up to `first` readings; this script follows
pageInfo.endCursor until hasNextPage is false, so it lists a device of any size.
"""

from __future__ import annotations

import sys

from client import READING_FIELDS, graphql, reading_line, run

READINGS_BY_DEVICE = (
    """
query QueryDevice($deviceId: ID!, $first: Int!, $after: String) {
  readingsByDevice(deviceId: $deviceId, first: $first, after: $after) {
    edges { node { ...ReadingFields } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + READING_FIELDS
)


def main() -> None:
    device_id = sys.argv[1] if len(sys.argv) > 1 else "10001"
    print(f"Device Data from Device ID: {device_id}")
    count = 0
    after = None
    while True:
        variables = {"deviceId": device_id, "first": 100, "after": after}
        page = graphql(READINGS_BY_DEVICE, variables)["readingsByDevice"]
        for edge in page["edges"]:
            print(reading_line(edge["node"]))
            count += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    print(f"{count} readings.")


if __name__ == "__main__":
    run(main)
