"""Read item: get reading 10001 : 3 by its key (the tutorial's read_item.py).

`reading` is null when there is no such reading; this script then says so and exits with 1.
"""

from __future__ import annotations

from client import READING_FIELDS, ExampleError, graphql, reading_block, run

GET_READING = (
    """
query ReadItem($deviceId: ID!, $datacount: Int!) {
  reading(deviceId: $deviceId, datacount: $datacount) { ...ReadingFields }
}
"""
    + READING_FIELDS
)


def main() -> None:
    data = graphql(GET_READING, {"deviceId": "10001", "datacount": 3})
    reading = data["reading"]
    if reading is None:
        raise ExampleError("no reading 10001 : 3")
    print("Get Device Data Done:")
    print(reading_block(reading))


if __name__ == "__main__":
    run(main)
