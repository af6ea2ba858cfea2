#!/usr/bin/env bash
# Conditional delete: delete reading 10001 : 3 if its info_timestamp <= a value
# (the tutorial's delete_item.py).
#
#   delete_item.sh 1612521000   # the condition fails: nothing is deleted, and the reading
#                               # is shown as it stands (exit status 0)
#   delete_item.sh              # 1612522800: the condition holds; the reading is deleted
#
# A missing reading gives ReadingNotFound: an error here.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

latest="${1:-1612522800}"

query='
mutation DeleteItem($deviceId: ID!, $datacount: Int!, $condition: ReadingCondition!) {
  deleteReadingIf(deviceId: $deviceId, datacount: $datacount, condition: $condition) {
    __typename
    ... on Reading { ...ReadingFields }
    ... on ConditionFailed { message current { ...ReadingFields } }
    ... on ReadingNotFound { message }
  }
}'"$READING_FIELDS"

variables="$(jq -n --arg latest "$latest" \
    '{deviceId: "10001", datacount: 3, condition: {infoTimestamp: {lte: $latest}}}')"

echo "DynamoDB conditional delete: 10001 : 3 if info_timestamp <= $latest"
data="$(graphql "$query" "$variables")"
result="$(jq '.deleteReadingIf' <<<"$data")"
case "$(jq -r '.__typename' <<<"$result")" in
    Reading)
        echo "Item Deleted:"
        show "$result" block
        ;;
    ConditionFailed)
        echo "The conditional request failed: $(jq -r '.message' <<<"$result")"
        if [[ "$(jq '.current' <<<"$result")" != null ]]; then
            echo "Current item:"
            show "$result" '.current | block'
        fi
        ;;
    *)
        expect "$result" Reading
        ;;
esac
