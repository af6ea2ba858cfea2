"""Apollo's persisted queries over POST and GET, and trusted documents, served over HTTP."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import settings_for
from tests.hardening.conftest import GRAPHQL_RESPONSE, Figure, Http, codes, decoded, served
from tests.timing import patient

QUERY = "query Typename { __typename }"
TRUSTED = "query Device($id: ID!) { device(deviceId: $id) { deviceId } }"
MUTATION = (
    'mutation { deleteReadingIf(deviceId: "nobody", datacount: 1, condition: {}) { __typename } }'
)
KEY = "apq-key-0123456789"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def extensions(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest(text)}}


def post(http: Http, query: str | None, ext: dict[str, Any] | None, **kw: Any) -> httpx.Response:
    body: dict[str, Any] = {"extensions": ext}
    if query is not None:
        body["query"] = query
    return http.client.post("/graphql", json=body, **kw)


def get(http: Http, ext: dict[str, Any], **params: str) -> httpx.Response:
    query = {"extensions": json.dumps(ext), **params}
    # Apollo Client's own Accept; `*/*` or text/html must not turn it into the IDE page either.
    return http.client.get("/graphql", params=query, headers={"accept": "text/html, */*"})


@pytest.fixture
def apq(module_store: ReadingStore) -> Iterator[Http]:
    settings = settings_for(
        module_store.table, persisted_queries_cache_size=2, persisted_query_max_age=60
    )
    with served(settings, module_store) as http:
        yield http


def test_post_unknown_hash_then_registered_then_by_hash(apq: Http, figure: Figure) -> None:
    unknown = post(apq, None, extensions(QUERY))
    registered = post(apq, QUERY, extensions(QUERY))
    by_hash = post(apq, None, extensions(QUERY))
    figure(
        f"POST: {unknown.status_code} {codes(decoded(unknown))}, {registered.status_code}, "
        f"{by_hash.status_code} {decoded(by_hash)}"
    )
    assert unknown.status_code == 200  # Apollo's link expects 200 before it resends the text
    assert decoded(unknown) == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    assert decoded(registered) == decoded(by_hash) == {"data": {"__typename": "Query"}}
    assert "cache-control" not in by_hash.headers  # POST answers are not cached


def test_not_found_is_200_under_graphql_response_json_too(apq: Http) -> None:
    response = post(apq, None, extensions("{ never }"), headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200
    assert codes(decoded(response)) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_get_by_hash_is_a_cacheable_graphql_request(apq: Http, figure: Figure) -> None:
    unknown = get(apq, extensions(QUERY))
    registered = get(apq, extensions(QUERY), query=QUERY)
    by_hash = get(apq, extensions(QUERY))
    figure(
        f"GET: {codes(decoded(unknown))}, then {by_hash.status_code} "
        f"cache-control {by_hash.headers.get('cache-control')}"
    )
    assert codes(decoded(unknown)) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert "cache-control" not in unknown.headers
    assert decoded(registered) == decoded(by_hash) == {"data": {"__typename": "Query"}}
    assert by_hash.headers["content-type"].startswith("application/json")
    assert by_hash.headers["cache-control"] == "public, max-age=60"
    assert "cache-control" not in registered.headers  # only a GET by hash alone is kept


def test_a_mutation_by_hash_over_get_is_refused(apq: Http) -> None:
    post(apq, MUTATION, extensions(MUTATION))
    response = get(apq, extensions(MUTATION))
    assert response.status_code == 405
    assert "cache-control" not in response.headers


def test_a_hash_that_does_not_match_is_bad_user_input(apq: Http, figure: Figure) -> None:
    response = post(apq, QUERY, extensions("{ something { else } }"))
    figure(f"mismatch: HTTP {response.status_code} {decoded(response)}")
    assert response.status_code == 400
    assert codes(decoded(response)) == ["BAD_USER_INPUT"]


def test_the_cache_is_bounded(apq: Http, figure: Figure) -> None:
    texts = [f"query Q{i} {{ __typename }}" for i in range(3)]
    for text in texts:  # the cache holds 2
        assert decoded(post(apq, text, extensions(text))) == {"data": {"__typename": "Query"}}
    answers = [codes(decoded(post(apq, None, extensions(text)))) for text in texts]
    figure(f"cache of 2 after 3 documents: {answers}")
    assert answers == [["PERSISTED_QUERY_NOT_FOUND"], [], []]


@pytest.fixture(scope="module")
def keyed(module_store: ReadingStore) -> Iterator[Http]:
    settings = settings_for(
        module_store.table, api_keys=frozenset({KEY}), persisted_query_max_age=5
    )
    with served(settings, module_store) as http:
        yield http


def test_get_by_hash_needs_a_credential_where_one_is_required(keyed: Http, figure: Figure) -> None:
    post(keyed, QUERY, extensions(QUERY), headers={"x-api-key": KEY})
    without = get(keyed, extensions(QUERY))
    with_key = keyed.client.get(
        "/graphql",
        params={"extensions": json.dumps(extensions(QUERY))},
        headers={"x-api-key": KEY, "accept": "text/html"},
    )
    figure(
        f"GET by hash: without key {without.status_code}, with key {with_key.status_code} "
        f"{with_key.headers.get('cache-control')}"
    )
    assert without.status_code == 401
    assert codes(decoded(without)) == ["UNAUTHENTICATED"]
    assert decoded(with_key) == {"data": {"__typename": "Query"}}
    assert with_key.headers["cache-control"] == "private, max-age=5"


def test_a_bare_get_still_serves_graphiql_without_a_credential(keyed: Http) -> None:
    response = keyed.client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trusted") / "persisted-query-manifest.json"
    operation = {"id": digest(TRUSTED), "name": "Device", "type": "query", "body": TRUSTED}
    path.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [operation]}
        )
    )
    return path


@pytest.fixture(scope="module")
def trusted(module_store: ReadingStore, manifest: Path) -> Iterator[Http]:
    settings = settings_for(module_store.table, trusted_documents=str(manifest))
    with served(settings, module_store) as http:
        yield http


@pytest.mark.parametrize("how", ["by-text", "by-hash", "by-hash-over-get"])
def test_a_trusted_document_runs(trusted: Http, how: str, figure: Figure) -> None:
    variables = {"id": "dev-1"}
    if how == "by-text":
        response = trusted.post(TRUSTED, variables)
    elif how == "by-hash":
        response = trusted.client.post(
            "/graphql", json={"extensions": extensions(TRUSTED), "variables": variables}
        )
    else:
        response = get(trusted, extensions(TRUSTED), variables=json.dumps(variables))
    figure(f"trusted {how}: HTTP {response.status_code} {decoded(response)}")
    assert decoded(response) == {"data": {"device": {"deviceId": "dev-1"}}}


@pytest.mark.parametrize("how", ["by-text", "by-hash", "registering"])
def test_anything_else_is_not_in_the_list(trusted: Http, how: str, figure: Figure) -> None:
    query = None if how == "by-hash" else QUERY
    ext = None if how == "by-text" else extensions(QUERY)
    response = post(trusted, query, ext)
    figure(f"untrusted {how}: HTTP {response.status_code} {codes(decoded(response))}")
    assert response.status_code == 400
    assert codes(decoded(response)) == ["PERSISTED_QUERY_NOT_IN_LIST"]
    assert "data" not in decoded(response)


def test_a_malformed_manifest_stops_gql_serve_naming_file_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({digest(QUERY): QUERY, digest("x"): TRUSTED}))
    env = {"GQL_TRUSTED_DOCUMENTS": str(path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "gql", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=patient(60),
        check=False,
    )
    assert done.returncode == 1
    assert f"GQL_TRUSTED_DOCUMENTS: {path}: entry '{digest('x')}'" in done.stderr
