#!/usr/bin/env bash
# Read item: get reading 10001 : 3 by its key (the tutorial's read_item.py).
# `reading` is null when there is no such reading: this script then exits with 1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

query='
query ReadItem($deviceId: ID!, $datacount: Int!) {
  reading(deviceId: $deviceId, datacount: $datacount) { ...ReadingFields }
}'"$READING_FIELDS"

data="$(graphql "$query" '{"deviceId": "10001", "datacount": 3}')"
reading="$(jq '.reading' <<<"$data")"
[[ "$reading" != null ]] || die "no reading 10001 : 3"
echo "Get Device Data Done:"
show "$reading" block
