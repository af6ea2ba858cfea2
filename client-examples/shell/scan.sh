#!/usr/bin/env bash
# Scan: every reading of the table, page by page (the tutorial's scan.py).
#
#   scan.sh [PAGE_SIZE]    # default 3, so the sample data takes several pages
#
# Each page's pageInfo.endCursor is passed as `after` to get the next one, until hasNextPage
# is false: the GraphQL form of DynamoDB's LastEvaluatedKey / ExclusiveStartKey loop.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

page_size="${1:-3}"
[[ "$page_size" =~ ^[0-9]+$ ]] || die "PAGE_SIZE must be a whole number, not '$page_size'"

query='
query ScanTable($first: Int!, $after: String) {
  scanReadings(first: $first, after: $after) {
    edges { node { ...ReadingFields } }
    pageInfo { hasNextPage endCursor }
  }
}'"$READING_FIELDS"

echo "Scanning all devices data, $page_size readings per page"
pages=0
count=0
after=null
while :; do
    variables="$(jq -n --argjson first "$page_size" --argjson after "$after" \
        '{first: $first, after: $after}')"
    data="$(graphql "$query" "$variables")"
    pages=$((pages + 1))
    echo "page $pages:"
    show "$data" '.scanReadings.edges[].node | "  " + line'
    count=$((count + $(jq '.scanReadings.edges | length' <<<"$data")))
    [[ "$(jq '.scanReadings.pageInfo.hasNextPage' <<<"$data")" == true ]] || break
    after="$(jq '.scanReadings.pageInfo.endCursor' <<<"$data")"
done
echo "Scanned $count readings in $pages pages."
