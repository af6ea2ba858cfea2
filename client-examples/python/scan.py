"""Scan: every reading of the table, page by page (the tutorial's scan.py).

    python scan.py [PAGE_SIZE]    # default 3, so the sample data takes several pages

Each page's pageInfo.endCursor is passed as `after` to get the next one, until hasNextPage
is false: the GraphQL form of DynamoDB's LastEvaluatedKey / ExclusiveStartKey loop.
"""

from __future__ import annotations

import sys

from client import READING_FIELDS, ExampleError, graphql, reading_line, run

SCAN_READINGS = (
    """
query ScanTable($first: Int!, $after: String) {
  scanReadings(first: $first, after: $after) {
    edges { node { ...ReadingFields } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + READING_FIELDS
)


def main() -> None:
    arg = sys.argv[1] if len(sys.argv) > 1 else "3"
    if not arg.isdecimal():
        raise ExampleError(f"PAGE_SIZE must be a whole number, not {arg!r}")
    page_size = int(arg)
    print(f"Scanning all devices data, {page_size} readings per page")
    pages = count = 0
    after = None
    while True:
        page = graphql(SCAN_READINGS, {"first": page_size, "after": after})["scanReadings"]
        pages += 1
        print(f"page {pages}:")
        for edge in page["edges"]:
            print("  " + reading_line(edge["node"]))
            count += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    print(f"Scanned {count} readings in {pages} pages.")


if __name__ == "__main__":
    run(main)
