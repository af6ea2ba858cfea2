"""Create item: write reading 10001 : 3 with putReading (the tutorial's create_item.py).

putReading writes the whole reading, replacing one that has the same key, and sets its
version (1 for a new reading). Run it again and the version goes up.
"""

from __future__ import annotations

from client import READING_FIELDS, expect, graphql, reading_block, run

PUT_READING = (
    """
mutation CreateItem($reading: ReadingInput!) {
  putReading(reading: $reading) {
    __typename
    ... on Reading { ...ReadingFields }
    ... on ConditionFailed { message }
  }
}
"""
    + READING_FIELDS
)


def main() -> None:
    reading = {
        "deviceId": "10001",
        "datacount": 3,
        "info": {
            "infoTimestamp": "1612522800",
            "temperature1": 23.74,
            "temperature2": 32.56,
            "temperature3": 12.43,
            "temperature4": 44.74,
            "temperature5": 12.74,
        },
    }
    data = graphql(PUT_READING, {"reading": reading})
    written = expect(data["putReading"], "Reading")
    print("Create item successful.")
    print(reading_block(written))


if __name__ == "__main__":
    run(main)
