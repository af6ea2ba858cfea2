"""The client examples, run against a live server on DynamoDB Local, and what they print.

Each flavour (Python, shell, JavaScript) runs the reference tutorial step by step, each step
as its own process, as a person would; every step's output is compared with what the step
must show. All three flavours print the same thing, so one set of expectations serves them.
"""

from __future__ import annotations

import json
import re
import socket
from typing import Any

import httpx
import pytest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    build_schema,
    parse,
    print_ast,
    validate,
)

from gql.formats.datafile import parse_readings
from gql.schema import sdl
from gql.store.client import DynamoDB
from gql.store.readings import ReadingStore
from gql.store.tables import Tables
from tests.conftest import local_client
from tests.examples.conftest import API_KEY, EXAMPLES, FLAVOURS, REPO, Flavour, Result, Server
from tests.timing import patient

Key = tuple[str, int]
Info = tuple[str, tuple[float, ...]]  # info_timestamp, temperature1..5

SAMPLE_FILE = REPO / "gql" / "data" / "sample.json"  # the tutorial's data.json
SAMPLE: dict[Key, Info] = {
    (item["device_id"], item["datacount"]): (
        item["info"]["info_timestamp"],
        tuple(float(item["info"][f"temperature{n}"]) for n in range(1, 6)),
    )
    for item in json.loads(SAMPLE_FILE.read_text())
}
ITEM: Key = ("10001", 3)
CREATED: Info = ("1612522800", (23.74, 32.56, 12.43, 44.74, 12.74))
UPDATED: Info = ("1612522800", (33.74, 23.74, 25.2, 22.0, 25.0))
STEPS = ("create_item", "read_item", "update_item", "delete_item", "query", "scan", "put_readings")
OPERATIONS = (
    "CreateItem", "ReadItem", "UpdateItem", "DeleteItem", "QueryDevice", "ScanTable", "PutReadings"
)  # fmt: skip


def number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def block(key: Key, version: int, info: Info) -> list[str]:
    """What the examples print for one reading (recordedAt aside: see `shown`)."""
    timestamp, temperatures = info
    return [
        f"{key[0]} : {key[1]}  version {version}",
        f"  info_timestamp: {timestamp}",
        *(f"  temperature{n}: {number(t)}" for n, t in enumerate(temperatures, 1)),
    ]


def line(key: Key, info: Info) -> str:
    timestamp, temperatures = info
    return (
        f"{key[0]} : {key[1]}  at {timestamp}  "
        f"temperatures {' '.join(number(t) for t in temperatures)}"
    )


RECORDED_AT = re.compile(r"  \((\d{4}-\d\d-\d\dT[^)\n]*)\)$", re.MULTILINE)


def shown(stdout: str) -> list[str]:
    """The lines printed, with the recordedAt after each info_timestamp left out."""
    return RECORDED_AT.sub("", stdout).splitlines()


def check_scan(stdout: str, items: dict[Key, Info], pages: int) -> None:
    """Every reading exactly once, in full pages of 3 but the last, then the totals."""
    lines = stdout.splitlines()
    assert lines[0] == "Scanning all devices data, 3 readings per page"
    assert lines[-1] == f"Scanned {len(items)} readings in {pages} pages."
    listed: list[list[str]] = []
    for text in lines[1:-1]:
        if text.startswith("page "):
            assert text == f"page {len(listed) + 1}:"
            listed.append([])
        else:
            assert text.startswith("  ")
            listed[-1].append(text[2:])
    assert [len(page) for page in listed] == [3] * (pages - 1) + [len(items) - 3 * (pages - 1)]
    assert sorted(text for page in listed for text in page) == sorted(
        line(key, info) for key, info in items.items()
    )


@pytest.mark.parametrize("name", FLAVOURS)
def test_the_tutorial_step_by_step(name: str, fresh: Server) -> None:
    flavour = FLAVOURS[name]
    if reason := flavour.missing():
        pytest.skip(reason)

    def step(step: str, *args: str, code: int = 0) -> Result:
        result = fresh.run(flavour.argv(step, *args))
        assert result.code == code, f"{result}\n--- server log\n{fresh.log.read_text()[-3000:]}"
        if step not in ("create_table", "load_data", "delete_table"):
            # The examples print results on stdout and only errors on stderr.
            assert (result.stderr == "") == (code == 0), result
        return result

    out = step("create_table").stdout
    assert f"table {fresh.table} created" in out
    assert f"loaded 6 readings from {SAMPLE_FILE}" in step("load_data").stdout

    out = step("create_item").stdout
    assert shown(out) == ["Create item successful.", *block(ITEM, 1, CREATED)]

    out = step("read_item").stdout
    assert shown(out) == ["Get Device Data Done:", *block(ITEM, 1, CREATED)]
    assert RECORDED_AT.findall(out) == ["2021-02-05T11:00:00+00:00"]

    out = step("update_item").stdout
    assert shown(out) == ["Device Updated", *block(ITEM, 2, UPDATED)]

    items = SAMPLE | {ITEM: UPDATED}
    check_scan(step("scan").stdout, items, pages=3)

    # The condition fails: nothing is deleted, and the reading is shown as it stands.
    lines = shown(step("delete_item", "1612521000").stdout)
    assert lines[0] == "DynamoDB conditional delete: 10001 : 3 if info_timestamp <= 1612521000"
    assert lines[1].startswith("The conditional request failed: ")
    assert lines[2:] == ["Current item:", *block(ITEM, 2, UPDATED)]

    # The condition holds: the reading is deleted, and shown.
    assert shown(step("delete_item").stdout) == [
        "DynamoDB conditional delete: 10001 : 3 if info_timestamp <= 1612522800",
        "Item Deleted:",
        *block(ITEM, 2, UPDATED),
    ]
    del items[ITEM]

    # Now there is nothing to read or update: a null reading and ReadingNotFound are errors.
    failed = step("read_item", code=1)
    assert (failed.stdout, failed.stderr) == ("", "error: no reading 10001 : 3\n")
    failed = step("update_item", code=1)
    assert failed.stdout == ""
    assert failed.stderr.startswith("error: ReadingNotFound: ")

    assert step("query").stdout.splitlines() == [
        "Device Data from Device ID: 10001",
        line(("10001", 1), items["10001", 1]),
        line(("10001", 2), items["10001", 2]),
        "2 readings.",
    ]
    check_scan(step("scan").stdout, items, pages=2)

    assert f"table {fresh.table} deleted" in step("delete_table").stdout


def available(name: str) -> Flavour:
    flavour = FLAVOURS[name]
    if reason := flavour.missing():
        pytest.skip(reason)
    return flavour


@pytest.mark.parametrize("name", FLAVOURS)
def test_without_the_api_key_a_step_fails(name: str, live: Server) -> None:
    # The server requires a key: that every step in the test above succeeded shows that each
    # flavour sends GQL_API_KEY; this shows that the server would refuse it otherwise.
    result = live.run(available(name).argv("read_item"), env=live.env(api_key=None))
    assert result.code == 1, result
    assert result.stdout == ""
    assert "HTTP 401: a valid x-api-key header is required (UNAUTHENTICATED)" in result.stderr


@pytest.mark.parametrize("name", FLAVOURS)
def test_with_the_server_unreachable_a_step_fails(name: str, live: Server, closed_url: str) -> None:
    argv = available(name).argv("read_item")
    result = live.run(argv, env=live.env(url=closed_url))
    assert result.code == 1, result
    assert result.stdout == ""
    assert f"error: cannot reach {closed_url}" in result.stderr

    # Without GQL_URL, the examples use the default address.
    default = "http://127.0.0.1:8080/graphql"
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 8080)) == 0:
            return  # something is listening there: no way to see a refusal
    env = live.env()
    del env["GQL_URL"]
    result = live.run(argv, env=env)
    assert result.code == 1, result
    assert f"error: cannot reach {default}" in result.stderr


@pytest.mark.parametrize("name", FLAVOURS)
def test_a_bad_argument_fails_the_step(name: str, live: Server) -> None:
    flavour = available(name)
    result = live.run(flavour.argv("scan", "0"))
    assert result.code == 1, result
    assert "error: first: must be between 1 and 100, got 0 (BAD_USER_INPUT)" in result.stderr

    result = live.run(flavour.argv("scan", "many"))
    assert result.code == 1, result
    assert "error: PAGE_SIZE must be a whole number, not " in result.stderr


# operations.graphql


def operations_file() -> DocumentNode:
    return parse((EXAMPLES / "operations.graphql").read_text())


def definitions(document: DocumentNode) -> dict[str, str]:
    """Each operation and fragment of a document by name, printed in a canonical form."""
    named = {}
    for node in document.definitions:
        assert isinstance(node, OperationDefinitionNode | FragmentDefinitionNode)
        assert node.name is not None
        named[node.name.value] = print_ast(node)
    return named


def embedded(source: str, name: str) -> str:
    """The operation or fragment called `name` in an example's source, printed canonically."""
    match = re.search(rf"\b(?:query|mutation|subscription|fragment) {name}\b", source)
    assert match, f"no {name} in the source"
    depth, end = 0, source.index("{", match.end())
    while True:
        depth += {"{": 1, "}": -1}.get(source[end], 0)
        end += 1
        if depth == 0:
            break
    return print_ast(parse(source[match.start() : end]).definitions[0])


def test_operations_file_is_valid_against_the_schema() -> None:
    document = operations_file()
    assert validate(build_schema(sdl()), document) == []
    assert list(definitions(document)) == ["ReadingFields", *OPERATIONS, "ReadingChanges"]


@pytest.mark.parametrize("name", FLAVOURS)
def test_the_examples_send_the_operations_of_the_file(name: str) -> None:
    flavour = FLAVOURS[name]
    expected = definitions(operations_file())
    for step, operation in zip(STEPS, OPERATIONS, strict=True):
        source = flavour.script(step).read_text()
        assert embedded(source, operation) == expected[operation], flavour.script(step)
    if name != "shell":  # the shell has no WebSocket client, so no subscriber
        source = flavour.script("subscribe").read_text()
        assert embedded(source, "ReadingChanges") == expected["ReadingChanges"]
    client = {"python": "client.py", "shell": "lib.sh", "js": "client.mjs"}[name]
    source = (EXAMPLES / flavour.directory / client).read_text()
    assert embedded(source, "ReadingFields") == expected["ReadingFields"]


def test_the_operations_file_runs_in_order(fresh: Server) -> None:
    """Every `# variables:` line, run with the operation below it, as in GraphiQL."""
    text = (EXAMPLES / "operations.graphql").read_text()
    runs = [
        (name, json.loads(variables))
        for block_ in re.split(r"\n(?=\n#)", text)
        for variables in re.findall(r"^# variables: (\{.*\})$", block_, re.MULTILINE)
        for name in re.findall(r"^(?:query|mutation) (\w+)", block_, re.MULTILINE)
    ]
    assert [name for name, _ in runs] == [
        "CreateItem", "ReadItem", "UpdateItem", "DeleteItem", "DeleteItem", "QueryDevice",
        "ScanTable", "PutReadings",
    ]  # fmt: skip

    db = local_client()
    Tables(DynamoDB(db, fresh.table)).create(wait=True)
    ReadingStore(db, fresh.table).batch_put(parse_readings(SAMPLE_FILE.read_text()))

    def run(name: str, variables: dict[str, Any]) -> dict[str, Any]:
        payload = {"query": text, "operationName": name, "variables": variables}
        response = httpx.post(
            fresh.url, json=payload, headers={"x-api-key": API_KEY}, timeout=patient(10)
        )
        body: dict[str, Any] = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    results = [run(name, variables) for name, variables in runs]
    created, read, updated, refused, deleted, queried, scanned, batch = results
    assert created["putReading"]["version"] == 1
    assert read["reading"]["info"]["temperature1"] == 23.74
    assert updated["updateReading"]["info"]["temperature1"] == 33.74
    assert updated["updateReading"]["version"] == 2
    assert refused["deleteReadingIf"]["__typename"] == "ConditionFailed"
    assert refused["deleteReadingIf"]["current"]["version"] == 2
    assert deleted["deleteReadingIf"]["__typename"] == "Reading"
    assert deleted["deleteReadingIf"]["datacount"] == 3
    edges = queried["readingsByDevice"]["edges"]
    assert [edge["node"]["datacount"] for edge in edges] == [1, 2]
    assert batch["putReadings"]["written"] == 3
    assert [r["version"] for r in batch["putReadings"]["results"]] == [1, 1, 1]

    # The scan's next pages: "after" set to the endCursor, while hasNextPage is true.
    variables = next(v for n, v in runs if n == "ScanTable")
    keys = []
    page = scanned["scanReadings"]
    while True:
        keys += [(edge["node"]["deviceId"], edge["node"]["datacount"]) for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        variables = variables | {"after": page["pageInfo"]["endCursor"]}
        page = run("ScanTable", variables)["scanReadings"]
    # The scan's later pages were read after PutReadings wrote 10004 : 1 to 3.
    batched = {("10004", 1), ("10004", 2), ("10004", 3)}
    assert set(SAMPLE) <= set(keys) <= set(SAMPLE) | batched
    assert len(keys) == len(set(keys))
