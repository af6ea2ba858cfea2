#!/usr/bin/env bash
# Batch write: several readings in one request with putReadings.
#
#   put_readings.sh [--atomic] [--if-not-exists]
#
# Writes readings 10004 : 1 to 3, each as putReading would (its version becomes 1, or the old
# version + 1), and prints one result per reading, in the order sent. --if-not-exists refuses
# to replace a reading that exists (ConditionFailed, with the reading as it stands); --atomic
# writes all of them or none, in one DynamoDB transaction.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

atomic=false
if_not_exists=false
for arg in "$@"; do
    case "$arg" in
        --atomic) atomic=true ;;
        --if-not-exists) if_not_exists=true ;;
        *) die "unknown argument '$arg'; use --atomic and --if-not-exists" ;;
    esac
done

query='
mutation PutReadings($readings: [ReadingInput!]!, $ifNotExists: Boolean!, $atomic: Boolean!) {
  putReadings(readings: $readings, ifNotExists: $ifNotExists, atomic: $atomic) {
    written
    results {
      __typename
      ... on Reading { deviceId datacount version }
      ... on ConditionFailed { message current { deviceId datacount version } }
    }
  }
}'

readings='[
  {"deviceId": "10004", "datacount": 1, "info": {"infoTimestamp": "1612519200",
   "temperature1": 21.5, "temperature2": 22.25, "temperature3": 19.8, "temperature4": 23.1,
   "temperature5": 20.05}},
  {"deviceId": "10004", "datacount": 2, "info": {"infoTimestamp": "1612521000",
   "temperature1": 22.4, "temperature2": 23.15, "temperature3": 20.3, "temperature4": 24.0,
   "temperature5": 21.6}},
  {"deviceId": "10004", "datacount": 3, "info": {"infoTimestamp": "1612522800",
   "temperature1": 23.74, "temperature2": 32.56, "temperature3": 12.43, "temperature4": 44.74,
   "temperature5": 12.74}}
]'

variables="$(jq -n --argjson readings "$readings" --argjson atomic "$atomic" \
    --argjson ifNotExists "$if_not_exists" '{$readings, $ifNotExists, $atomic}')"
data="$(graphql "$query" "$variables")"

count="$(jq 'length' <<<"$readings")"
how="one by one"
[[ "$atomic" == true ]] && how="atomic"
suffix=""
[[ "$if_not_exists" == true ]] && suffix=", if not exists"
echo "putReadings: $count readings, $how$suffix"
# One result per reading, in the order sent: each result is paired with the reading sent.
jq -r --argjson sent "$readings" '
  .putReadings.results | to_entries[] | .key as $i | .value as $r
  | "  \($sent[$i].deviceId) : \($sent[$i].datacount)  " + (
      if $r.__typename == "Reading" then "written, version \($r.version)"
      elif $r.current == null then "ConditionFailed: \($r.message)"
      else "ConditionFailed: \($r.message) (current version \($r.current.version // "none"))"
      end)' <<<"$data"
echo "Written: $(jq '.putReadings.written' <<<"$data") of $count."
