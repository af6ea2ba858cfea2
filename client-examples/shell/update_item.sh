#!/usr/bin/env bash
# Update item: set the info of reading 10001 : 3 (the tutorial's update_item.py).
# updateReading changes the fields it is given; it never creates a reading (a missing one
# gives ReadingNotFound, an error here).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

query='
mutation UpdateItem($deviceId: ID!, $datacount: Int!, $info: ReadingInfoPatch!) {
  updateReading(deviceId: $deviceId, datacount: $datacount, info: $info) {
    __typename
    ... on Reading { ...ReadingFields }
    ... on ConditionFailed { message }
    ... on ReadingNotFound { message }
  }
}'"$READING_FIELDS"

variables='{
  "deviceId": "10001",
  "datacount": 3,
  "info": {
    "infoTimestamp": "1612522800",
    "temperature1": 33.74,
    "temperature2": 23.74,
    "temperature3": 25.20,
    "temperature4": 22.00,
    "temperature5": 25.00
  }
}'

data="$(graphql "$query" "$variables")"
result="$(jq '.updateReading' <<<"$data")"
expect "$result" Reading
echo "Device Updated"
show "$result" block
