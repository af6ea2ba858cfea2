"""Apollo Client (Node, @apollo/client with its persisted-queries link) against the server.

The client sends queries by hash over GET (`useGETForHashedQueries`); the server answers an
unknown hash with PersistedQueryNotFound, the link resends the text over POST, and the next
time the hash alone is served. With trusted documents made from the client's own manifest,
its listed query runs by hash at once and anything else is refused.

The npm packages are installed into .cache/apollo-client by `make apollo-client` (which
`make test` runs first: the test namespace has no network).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import settings_for
from tests.hardening.conftest import Figure, served
from tests.timing import patient

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".cache" / "apollo-client" / "node_modules"
SCRIPT = Path(__file__).parent / "apollo" / "client.mjs"
KEY = "apollo-key-0123456789"


class Node:
    def __init__(self, directory: Path) -> None:
        self.script = directory / SCRIPT.name
        shutil.copyfile(SCRIPT, self.script)
        # The script resolves its imports from the node_modules beside it.
        (directory / "node_modules").symlink_to(TOOLS)

    def run(self, *args: str) -> Any:
        done = subprocess.run(
            ["node", str(self.script), *args],
            capture_output=True,
            text=True,
            timeout=patient(60),
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Node:
    if shutil.which("node") is None:
        pytest.skip("node is not installed (.ci/run installs nodejs)")
    if not (TOOLS / "@apollo" / "client").is_dir():
        pytest.skip("@apollo/client is not installed: run `make apollo-client` (make test does)")
    return Node(tmp_path_factory.mktemp("apollo"))


@pytest.fixture(scope="module")
def manifest(node: Node) -> tuple[Path, dict[str, Any]]:
    data: dict[str, Any] = node.run("http://unused/graphql", "manifest")
    path = node.script.parent / "persisted-query-manifest.json"
    path.write_text(json.dumps(data))
    return path, data["operations"][0]


def test_apollo_client_runs_queries_by_hash(
    node: Node, manifest: tuple[Path, dict[str, Any]], module_store: ReadingStore, figure: Figure
) -> None:
    _, device = manifest
    settings = settings_for(
        module_store.table, api_keys=frozenset({KEY}), persisted_query_max_age=30
    )
    with served(settings, module_store) as http:
        first, again, other = node.run(f"{http.url}/graphql", "run", KEY)
    figure(
        "Apollo Client: first "
        f"{[(r['method'], r['query'], r['status']) for r in first['requests']]}, again "
        f"{[(r['method'], r['query'], r['cacheControl']) for r in again['requests']]}"
    )
    digest = hashlib.sha256(device["body"].encode()).hexdigest()
    assert device["id"] == digest
    expected = {"device": {"__typename": "Device", "deviceId": "dev-7"}}
    assert first["data"] == again["data"] == expected
    assert [(r["method"], r["query"], r["hash"], r["status"]) for r in first["requests"]] == [
        ("GET", False, digest, 200),  # PersistedQueryNotFound
        ("POST", True, digest, 200),  # the link resends with the text: registered
    ]
    assert [(r["method"], r["query"], r["hash"]) for r in again["requests"]] == [
        ("GET", False, digest)
    ]
    assert again["requests"][0]["cacheControl"] == "private, max-age=30"
    assert other["data"] == {"__typename": "Query"}


def test_apollo_client_against_trusted_documents_from_its_manifest(
    node: Node, manifest: tuple[Path, dict[str, Any]], module_store: ReadingStore, figure: Figure
) -> None:
    path, _ = manifest
    settings = settings_for(module_store.table, trusted_documents=str(path))
    with served(settings, module_store) as http:
        first, again, other = node.run(f"{http.url}/graphql", "run")
    figure(f"trusted: Device {first['data']}; Typename {other['codes']}")
    for result in (first, again):
        assert result["data"] == {"device": {"__typename": "Device", "deviceId": "dev-7"}}
        assert [(r["method"], r["query"]) for r in result["requests"]] == [("GET", False)]
    assert other["codes"] == ["PERSISTED_QUERY_NOT_IN_LIST"]
    assert [(r["method"], r["status"]) for r in other["requests"]] == [("GET", 400)]
