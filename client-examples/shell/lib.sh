# Sourced by the shell examples: a GraphQL call with curl, and jq to build and show JSON.
#
#   GQL_URL      the endpoint (default http://127.0.0.1:8080/graphql)
#   GQL_API_KEY  sent as the x-api-key header when set
#
# `graphql QUERY [VARIABLES_JSON]` prints the response's `data`; on any error (the server cannot
# be reached, an HTTP error, a GraphQL error) it prints the error on stderr and fails, and
# `set -e` in the calling script makes the script exit with status 1.

GQL_URL="${GQL_URL:-http://127.0.0.1:8080/graphql}"

die() {
    echo "error: $*" >&2
    exit 1
}

for tool in curl jq; do
    command -v "$tool" >/dev/null || die "$tool is required (Debian/Ubuntu: apt-get install $tool)"
done

# The fields every example shows, as a GraphQL fragment.
READING_FIELDS='
fragment ReadingFields on Reading {
  deviceId
  datacount
  version
  info {
    infoTimestamp
    recordedAt
    temperature1
    temperature2
    temperature3
    temperature4
    temperature5
  }
}'

graphql() {
    local query="$1" variables="${2:-"{}"}" payload response status body
    payload="$(jq -n --arg query "$query" --argjson variables "$variables" '{$query, $variables}')"
    # The key goes to curl on a file descriptor, not on its command line (which `ps` shows).
    response="$(
        curl --silent --show-error --max-time 10 --write-out '\n%{http_code}' \
            --header 'content-type: application/json' \
            --header 'accept: application/graphql-response+json, application/json' \
            --header @<(if [[ -n "${GQL_API_KEY:-}" ]]; then printf 'x-api-key: %s\n' "$GQL_API_KEY"; fi) \
            --data-binary @- "$GQL_URL" <<<"$payload"
    )" || die "cannot reach $GQL_URL"
    status="${response##*$'\n'}"
    body="${response%$'\n'*}"
    if ! jq -e 'type == "object"' >/dev/null 2>&1 <<<"$body"; then
        die "HTTP $status from $GQL_URL, not JSON: ${body:0:200}"
    fi
    if jq -e '.errors | length > 0' >/dev/null <<<"$body"; then
        # The server answers refusals (401, 413) with GraphQL-shaped errors too.
        local prefix="" messages
        [[ "$status" == 2* ]] || prefix="HTTP $status: "
        messages="$(jq -r '[.errors[] | .message + (.extensions.code // "" |
            if . == "" then "" else " (\(.))" end)] | join("; ")' <<<"$body")"
        die "$prefix$messages"
    fi
    [[ "$status" == 2* ]] || die "HTTP $status from $GQL_URL: ${body:0:200}"
    jq '.data' <<<"$body"
}

# jq definitions that show readings: `show READING_JSON FILTER`, e.g. `show "$r" block`.
JQ_DEFS='
def num: if . == null then "-" else tostring end;
def block:
  "\(.deviceId) : \(.datacount)  version "
    + (if .version == null then "none (written outside this API)" else (.version | tostring) end),
  "  info_timestamp: \(.info.infoTimestamp)"
    + (if .info.recordedAt then "  (\(.info.recordedAt))" else "" end),
  (range(1; 6) as $n | "  temperature\($n): \(.info["temperature\($n)"] | num)");
def line:
  "\(.deviceId) : \(.datacount)  at \(.info.infoTimestamp)  temperatures "
    + ([range(1; 6) as $n | .info["temperature\($n)"] | num] | join(" "));
'

show() {
    jq -r "$JQ_DEFS $2" <<<"$1"
}

# A union result that must be `typename`; anything else is an error.
expect() {
    local result="$1" typename="$2" actual
    actual="$(jq -r '.__typename' <<<"$result")"
    [[ "$actual" == "$typename" ]] || die "$actual: $(jq -r '.message // .' <<<"$result")"
}
