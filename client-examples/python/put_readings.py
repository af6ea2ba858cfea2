"""Batch write: several readings in one request with putReadings.

    python put_readings.py [--atomic] [--if-not-exists]

Writes readings 10004 : 1 to 3, each as putReading would (its version becomes 1, or the old
version + 1), and prints one result per reading, in the order sent. --if-not-exists refuses
to replace a reading that exists (ConditionFailed, with the reading as it stands); --atomic
writes all of them or none, in one DynamoDB transaction.
"""

from __future__ import annotations

import sys

from client import ExampleError, Json, graphql, run

PUT_READINGS = """
mutation PutReadings($readings: [ReadingInput!]!, $ifNotExists: Boolean!, $atomic: Boolean!) {
  putReadings(readings: $readings, ifNotExists: $ifNotExists, atomic: $atomic) {
    written
    results {
      __typename
      ... on Reading { deviceId datacount version }
      ... on ConditionFailed { message current { deviceId datacount version } }
    }
  }
}
"""


def reading(datacount: int, timestamp: str, *temperatures: float) -> Json:
    info: Json = {"infoTimestamp": timestamp}
    info.update({f"temperature{n}": t for n, t in enumerate(temperatures, start=1)})
    return {"deviceId": "10004", "datacount": datacount, "info": info}


READINGS = [
    reading(1, "1612519200", 21.5, 22.25, 19.8, 23.1, 20.05),
    reading(2, "1612521000", 22.4, 23.15, 20.3, 24.0, 21.6),
    reading(3, "1612522800", 23.74, 32.56, 12.43, 44.74, 12.74),
]
FLAGS = ("--atomic", "--if-not-exists")


def result_line(sent: Json, result: Json) -> str:
    key = f"{sent['deviceId']} : {sent['datacount']}"
    if result["__typename"] == "Reading":
        return f"  {key}  written, version {result['version']}"
    current = result["current"]
    if current is None:
        return f"  {key}  ConditionFailed: {result['message']}"
    version = "none" if current["version"] is None else current["version"]
    return f"  {key}  ConditionFailed: {result['message']} (current version {version})"


def main() -> None:
    unknown = [arg for arg in sys.argv[1:] if arg not in FLAGS]
    if unknown:
        raise ExampleError(f"unknown argument {unknown[0]!r}; use --atomic and --if-not-exists")
    atomic = "--atomic" in sys.argv
    if_not_exists = "--if-not-exists" in sys.argv
    variables = {"readings": READINGS, "ifNotExists": if_not_exists, "atomic": atomic}
    batch = graphql(PUT_READINGS, variables)["putReadings"]
    how = "atomic" if atomic else "one by one"
    print(f"putReadings: {len(READINGS)} readings, {how}" + (", if not exists" * if_not_exists))
    for index, sent in enumerate(READINGS):  # one result per reading, in the order sent
        print(result_line(sent, batch["results"][index]))
    print(f"Written: {batch['written']} of {len(READINGS)}.")


if __name__ == "__main__":
    run(main)
