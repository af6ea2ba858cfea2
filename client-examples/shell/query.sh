#!/usr/bin/env bash
# Query: every reading of one device, in datacount order (the tutorial's query.py).
#
#   query.sh [DEVICE_ID]    # default 10001
#
# Follows pageInfo.endCursor until hasNextPage is false, so it lists a device of any size.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

device_id="${1:-10001}"

query='
query QueryDevice($deviceId: ID!, $first: Int!, $after: String) {
  readingsByDevice(deviceId: $deviceId, first: $first, after: $after) {
    edges { node { ...ReadingFields } }
    pageInfo { hasNextPage endCursor }
  }
}'"$READING_FIELDS"

echo "Device Data from Device ID: $device_id"
count=0
after=null
while :; do
    variables="$(jq -n --arg id "$device_id" --argjson after "$after" \
        '{deviceId: $id, first: 100, after: $after}')"
    data="$(graphql "$query" "$variables")"
    show "$data" '.readingsByDevice.edges[].node | line'
    count=$((count + $(jq '.readingsByDevice.edges | length' <<<"$data")))
    [[ "$(jq '.readingsByDevice.pageInfo.hasNextPage' <<<"$data")" == true ]] || break
    after="$(jq '.readingsByDevice.pageInfo.endCursor' <<<"$data")"
done
echo "$count readings."
