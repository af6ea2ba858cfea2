"""Conditional delete: delete reading 10001 : 3 if its info_timestamp <= a value
(the tutorial's delete_item.py).

    python delete_item.py 1612521000   # the condition fails: nothing is deleted, and the
                                       # reading is shown as it stands (exit status 0)
    python delete_item.py              # 1612522800: the condition holds; the reading is deleted

When the condition does not hold, deleteReadingIf answers ConditionFailed with the current
reading, instead of an error. A missing reading gives ReadingNotFound: an error here.
"""

from __future__ import annotations

import sys

from client import READING_FIELDS, ExampleError, graphql, reading_block, run

DELETE_READING_IF = (
    """
mutation DeleteItem($deviceId: ID!, $datacount: Int!, $condition: ReadingCondition!) {
  deleteReadingIf(deviceId: $deviceId, datacount: $datacount, condition: $condition) {
    __typename
    ... on Reading { ...ReadingFields }
    ... on ConditionFailed { message current { ...ReadingFields } }
    ... on ReadingNotFound { message }
  }
}
"""
    + READING_FIELDS
)


def main() -> None:
    latest = sys.argv[1] if len(sys.argv) > 1 else "1612522800"
    print(f"DynamoDB conditional delete: 10001 : 3 if info_timestamp <= {latest}")
    variables = {
        "deviceId": "10001",
        "datacount": 3,
        "condition": {"infoTimestamp": {"lte": latest}},
    }
    result = graphql(DELETE_READING_IF, variables)["deleteReadingIf"]
    if result["__typename"] == "Reading":
        print("Item Deleted:")
        print(reading_block(result))
    elif result["__typename"] == "ConditionFailed":
        print(f"The conditional request failed: {result['message']}")
        if result["current"] is not None:
            print("Current item:")
            print(reading_block(result["current"]))
    else:
        raise ExampleError(f"{result['__typename']}: {result['message']}")


if __name__ == "__main__":
    run(main)
