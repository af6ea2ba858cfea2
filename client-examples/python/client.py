"""The little GraphQL client the Python examples share: one HTTP POST per operation, with httpx.

    GQL_URL      the endpoint (default http://127.0.0.1:8080/graphql)
    GQL_API_KEY  sent as the x-api-key header when set

Any error (the server cannot be reached, an HTTP error, a GraphQL error) raises ExampleError;
`run` prints it on stderr and exits with status 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import httpx

URL = os.environ.get("GQL_URL") or "http://127.0.0.1:8080/graphql"

# Every example asks for the same fields of a reading.
READING_FIELDS = """
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
}
"""

Json = dict[str, Any]


class ExampleError(Exception):
    """Something went wrong; the message says what."""


def graphql(query: str, variables: Json | None = None) -> Json:
    """POST one operation and return its `data`; raise ExampleError on any error."""
    headers = {"accept": "application/graphql-response+json, application/json"}
    api_key = os.environ.get("GQL_API_KEY")
    if api_key:
        headers["x-api-key"] = api_key
    try:
        response = httpx.post(
            URL, json={"query": query, "variables": variables or {}}, headers=headers, timeout=10
        )
    except httpx.HTTPError as exc:
        raise ExampleError(f"cannot reach {URL}: {exc}") from None
    try:
        body = response.json()
    except ValueError:
        raise ExampleError(
            f"HTTP {response.status_code} from {URL}, not JSON: {response.text[:200]!r}"
        ) from None
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        # The server answers refusals (401, 413) with GraphQL-shaped errors too.
        status = f"HTTP {response.status_code}: " if response.is_error else ""
        raise ExampleError(status + "; ".join(_describe(error) for error in errors))
    if response.is_error or not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise ExampleError(f"HTTP {response.status_code} from {URL}: {response.text[:200]!r}")
    data: Json = body["data"]
    return data


def _describe(error: Json) -> str:
    code = (error.get("extensions") or {}).get("code")
    return f"{error.get('message')} ({code})" if code else str(error.get("message"))


def expect(result: Json, typename: str) -> Json:
    """A union result that must be `typename`; anything else is an error."""
    if result["__typename"] != typename:
        raise ExampleError(f"{result['__typename']}: {result.get('message', result)}")
    return result


def number(value: float | None) -> str:
    """25.0 as 25, like JavaScript and jq print it; a missing temperature as -."""
    if value is None:
        return "-"
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def reading_block(reading: Json) -> str:
    """A reading on several lines: its key and version, then its info."""
    info = reading["info"]
    version = reading["version"]
    recorded = f"  ({info['recordedAt']})" if info["recordedAt"] else ""
    lines = [
        f"{reading['deviceId']} : {reading['datacount']}  version "
        + ("none (written outside this API)" if version is None else str(version)),
        f"  info_timestamp: {info['infoTimestamp']}{recorded}",
    ]
    lines += [f"  temperature{n}: {number(info[f'temperature{n}'])}" for n in range(1, 6)]
    return "\n".join(lines)


def reading_line(reading: Json) -> str:
    """A reading on one line, as the query and scan examples list them."""
    info = reading["info"]
    temperatures = " ".join(number(info[f"temperature{n}"]) for n in range(1, 6))
    return (
        f"{reading['deviceId']} : {reading['datacount']}  "
        f"at {info['infoTimestamp']}  temperatures {temperatures}"
    )


def run(main: Callable[[], None]) -> NoReturn:
    """Run an example: exit 0 when it worked, 1 (with the error on stderr) when not."""
    try:
        main()
    except ExampleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
