"""Update item: set the info of reading 10001 : 3 (the tutorial's update_item.py).

updateReading changes the fields it is given and leaves the others alone; it never creates a
reading (a missing one gives ReadingNotFound, an error here). Pass `expectedVersion` to update
only if nobody else wrote the reading in between.
"""

from __future__ import annotations

from client import READING_FIELDS, expect, graphql, reading_block, run

UPDATE_READING = (
    """
mutation UpdateItem($deviceId: ID!, $datacount: Int!, $info: ReadingInfoPatch!) {
  updateReading(deviceId: $deviceId, datacount: $datacount, info: $info) {
    __typename
    ... on Reading { ...ReadingFields }
    ... on ConditionFailed { message }
    ... on ReadingNotFound { message }
  }
}
"""
    + READING_FIELDS
)


def main() -> None:
    info = {
        "infoTimestamp": "1612522800",
        "temperature1": 33.74,
        "temperature2": 23.74,
        "temperature3": 25.20,
        "temperature4": 22.00,
        "temperature5": 25.00,
    }
    data = graphql(UPDATE_READING, {"deviceId": "10001", "datacount": 3, "info": info})
    updated = expect(data["updateReading"], "Reading")
    print("Device Updated")
    print(reading_block(updated))


if __name__ == "__main__":
    run(main)
