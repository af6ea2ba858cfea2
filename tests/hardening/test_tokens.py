"""JWT bearer tokens against a JWKS served over HTTPS on loopback, with keys made in the test.

Each case is checked over HTTP (status and code) and through the WebSocket path
(`authenticate_connection_params`, which the view's on_ws_connect calls with connection_init's
payload): a token refused over HTTP is refused there too, and one accepted is accepted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gql.access.auth import READ, WRITE, Principal
from gql.config import Settings
from gql.errors import UnauthenticatedError
from gql.store.readings import ReadingStore
from gql.web.http import authenticator_for
from tests.api.conftest import settings_for
from tests.hardening.conftest import Figure, Http, codes, decoded, served
from tests.hardening.jwks import (
    AUDIENCE,
    ISSUER,
    JwksServer,
    Signer,
    forged,
    jwks,
    token_settings,
    valid_claims,
)

QUERY = "{ __typename }"
MUTATION = (
    'mutation { deleteReadingIf(deviceId: "nobody", datacount: 1, condition: {}) { __typename } }'
)
BOTH = f"{READ} {WRITE}"

RSA = Signer.rsa("rsa-1")
EC = Signer.ec("ec-1")


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JwksServer]:
    with JwksServer(tmp_path_factory.mktemp("idp"), jwks(RSA, EC)) as server:
        yield server


@pytest.fixture(scope="module")
def settings(module_store: ReadingStore, idp: JwksServer) -> Settings:
    return token_settings(module_store.table, idp)


@pytest.fixture(scope="module")
def api(module_store: ReadingStore, settings: Settings) -> Iterator[Http]:
    with served(settings, module_store) as http:
        yield http


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


Case = Callable[[], str]
# case -> (the token, the expected HTTP status, words of the refusal's message)
CASES: dict[str, tuple[Case, int, str]] = {
    "valid-rsa": (lambda: RSA.token(scope=BOTH), 200, ""),
    "valid-ec": (lambda: EC.token(scope=BOTH), 200, ""),
    "scp-list": (lambda: RSA.token(scp=[READ]), 200, ""),
    "cognito-access-token": (
        lambda: RSA.token(aud=None, client_id=AUDIENCE, token_use="access", scope=f"{READ} openid"),
        200,
        "",
    ),
    "expired": (lambda: RSA.token(exp=int(time.time()) - 120, scope=BOTH), 401, "expired"),
    "expired-within-leeway": (lambda: RSA.token(exp=int(time.time()) - 5, scope=BOTH), 200, ""),
    "not-yet-valid": (
        lambda: RSA.token(nbf=int(time.time()) + 600, scope=BOTH),
        401,
        "not valid yet",
    ),
    "no-exp": (lambda: RSA.token(exp=None, scope=BOTH), 401, '"exp" claim'),
    "wrong-issuer": (lambda: RSA.token(iss="https://evil.test/", scope=BOTH), 401, "issuer"),
    "wrong-audience": (lambda: RSA.token(aud="another-api", scope=BOTH), 401, "audience"),
    "no-audience-not-cognito": (
        lambda: RSA.token(aud=None, client_id=AUDIENCE, scope=BOTH),
        401,
        "audience",
    ),
    "cognito-other-client": (
        lambda: RSA.token(aud=None, client_id="other", token_use="access", scope=BOTH),
        401,
        "audience",
    ),
    "unknown-kid": (lambda: Signer.rsa("stranger").token(scope=BOTH), 401, "(kid) is not known"),
    "signed-by-another-key": (
        lambda: Signer(RSA.kid, Signer.rsa("x").key, "RS256").token(scope=BOTH),
        401,
        "Signature verification failed",
    ),
    "alg-none": (
        lambda: forged({"alg": "none", "kid": RSA.kid, "typ": "JWT"}, valid_claims(), None),
        401,
        "'none' is not accepted",
    ),
    "hs256-with-the-public-key": (
        lambda: forged(
            {"alg": "HS256", "kid": RSA.kid, "typ": "JWT"}, valid_claims(), RSA.public_pem
        ),
        401,
        "'HS256' is not accepted",
    ),
    "not-a-jwt": (lambda: "abc.def", 401, "not a JWT"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_token_over_http(api: Http, case: str, figure: Figure) -> None:
    make, status, why = CASES[case]
    response = api.post(QUERY, headers=bearer(make()))
    body = decoded(response)
    figure(f"{case}: HTTP {response.status_code} {codes(body) or body.get('data')}")
    assert response.status_code == status
    if status == 200:
        assert body == {"data": {"__typename": "Query"}}
    else:
        assert codes(body) == ["UNAUTHENTICATED"]
        assert why in body["errors"][0]["message"]
        assert response.headers["www-authenticate"].startswith('Bearer realm="graphql"')
        assert 'error="invalid_token"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("case", list(CASES))
async def test_token_in_connection_init(settings: Settings, case: str, figure: Figure) -> None:
    make, status, why = CASES[case]
    authenticator = authenticator_for(settings)
    payload = {"Authorization": f"Bearer {make()}"}
    try:
        principal: Principal | str = await authenticator.authenticate_connection_params(payload, {})
    except UnauthenticatedError as exc:
        principal = exc.message
    figure(f"{case}: connection_init -> {principal}")
    if status == 200:
        assert isinstance(principal, Principal)
        assert principal.kind == "token"
    else:
        assert isinstance(principal, str)
        assert why in principal


def test_no_credential_is_401_with_a_bearer_challenge(api: Http, figure: Figure) -> None:
    response = api.post(QUERY)
    figure(f"no token: HTTP {response.status_code} {response.headers['www-authenticate']}")
    assert response.status_code == 401
    assert codes(decoded(response)) == ["UNAUTHENTICATED"]
    assert response.headers["www-authenticate"] == 'Bearer realm="graphql"'


@pytest.mark.parametrize("scopes", [READ, f"openid {READ}"])
def test_a_read_only_token_reads_but_cannot_write(api: Http, scopes: str, figure: Figure) -> None:
    token = RSA.token(scope=scopes)
    query = api.post(QUERY, headers=bearer(token))
    mutation = api.post(MUTATION, headers=bearer(token))
    figure(
        f"scope {scopes!r}: query {query.status_code}, mutation {mutation.status_code} "
        f"{codes(decoded(mutation))}"
    )
    assert query.status_code == 200
    assert decoded(query) == {"data": {"__typename": "Query"}}
    assert mutation.status_code == 403
    assert codes(decoded(mutation)) == ["FORBIDDEN"]
    assert "data" not in decoded(mutation)
    assert mutation.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", scope="readings:write"'
    )


def test_a_token_with_the_write_scope_writes(api: Http, figure: Figure) -> None:
    response = api.post(MUTATION, headers=bearer(RSA.token(scope=BOTH)))
    figure(f"write scope: HTTP {response.status_code} {decoded(response)}")
    assert response.status_code == 200
    assert decoded(response) == {"data": {"deleteReadingIf": {"__typename": "ReadingNotFound"}}}


def test_a_token_without_scopes_is_forbidden_even_to_read(api: Http, figure: Figure) -> None:
    response = api.post(QUERY, headers=bearer(RSA.token()))
    figure(f"no scope: HTTP {response.status_code} {codes(decoded(response))}")
    assert response.status_code == 403
    assert codes(decoded(response)) == ["FORBIDDEN"]


def test_in_a_document_of_several_operations_the_one_that_runs_decides(
    api: Http, figure: Figure
) -> None:
    document = f"query Read {QUERY}\n{MUTATION.replace('mutation', 'mutation Write', 1)}"
    headers = bearer(RSA.token(scope=READ))
    read = api.client.post(
        "/graphql", json={"query": document, "operationName": "Read"}, headers=headers
    )
    write = api.client.post(
        "/graphql", json={"query": document, "operationName": "Write"}, headers=headers
    )
    figure(f"Read -> {read.status_code}, Write -> {write.status_code}")
    assert (read.status_code, write.status_code) == (200, 403)


def test_unknown_kid_refreshes_the_keys_at_most_once_per_cooldown(
    module_store: ReadingStore, tmp_path: Path, figure: Figure
) -> None:
    old, new, stranger = Signer.rsa("old"), Signer.rsa("new"), Signer.rsa("stranger")
    cooldown = 1.0
    with (
        JwksServer(tmp_path, jwks(old)) as idp,
        served(
            token_settings(module_store.table, idp, jwt_jwks_cooldown_seconds=cooldown),
            module_store,
        ) as api,
    ):
        first = api.post(QUERY, headers=bearer(old.token(scope=READ)))
        fetched_at = time.monotonic()
        assert (first.status_code, idp.fetches) == (200, 1)

        idp.keys = jwks(old, new)  # the provider rotates: a new key is published
        early = api.post(QUERY, headers=bearer(new.token(scope=READ)))
        assert early.status_code == 401, "within the cooldown the keys are not fetched again"
        assert idp.fetches == 1

        time.sleep(max(0.0, cooldown - (time.monotonic() - fetched_at)) + 0.1)
        rotated = api.post(QUERY, headers=bearer(new.token(scope=READ)))
        assert (rotated.status_code, idp.fetches) == (200, 2)

        # A stream of made-up kids right after cannot make the server fetch again.
        refused = [api.post(QUERY, headers=bearer(stranger.token(scope=READ))) for _ in range(5)]
        still_old = api.post(QUERY, headers=bearer(old.token(scope=READ)))
        figure(
            f"fetches {idp.fetches}; before cooldown {early.status_code}, after "
            f"{rotated.status_code}; 5 unknown kids {[r.status_code for r in refused]}"
        )
        assert [r.status_code for r in refused] == [401] * 5
        assert idp.fetches == 2
        assert still_old.status_code == 200


def test_an_unreachable_jwks_is_503_not_401(
    module_store: ReadingStore, tmp_path: Path, figure: Figure
) -> None:
    with JwksServer(tmp_path, jwks(RSA)) as idp:
        settings = token_settings(module_store.table, idp)
    with served(settings, module_store) as api:  # the provider is gone
        response = api.post(QUERY, headers=bearer(RSA.token(scope=READ)))
    figure(f"JWKS down: HTTP {response.status_code} {codes(decoded(response))}")
    assert response.status_code == 503
    assert codes(decoded(response)) == ["BACKEND_UNAVAILABLE"]


def test_a_jwks_file_verifies_without_any_fetch(
    module_store: ReadingStore, tmp_path: Path, figure: Figure
) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks(EC)))
    settings = settings_for(
        module_store.table,
        jwt_jwks_file=str(path),
        jwt_issuer=ISSUER,
        jwt_audiences=("other", AUDIENCE),
    )
    with served(settings, module_store) as api:
        ok = api.post(QUERY, headers=bearer(EC.token(scope=READ)))
        unknown = api.post(QUERY, headers=bearer(RSA.token(scope=READ)))
    figure(f"JWKS file: known key {ok.status_code}, other key {unknown.status_code}")
    assert (ok.status_code, unknown.status_code) == (200, 401)


def test_cognito_resource_server_scopes_with_a_prefix(
    module_store: ReadingStore, idp: JwksServer, figure: Figure
) -> None:
    settings = token_settings(module_store.table, idp, jwt_scope_prefix="devices-api/")
    token = RSA.token(
        aud=None,
        client_id=AUDIENCE,
        token_use="access",
        scope="devices-api/readings:read other-api/readings:write",
    )
    with served(settings, module_store) as api:
        query = api.post(QUERY, headers=bearer(token))
        mutation = api.post(MUTATION, headers=bearer(token))
    figure(f"prefixed scopes: query {query.status_code}, mutation {mutation.status_code}")
    assert decoded(query) == {"data": {"__typename": "Query"}}
    assert mutation.status_code == 403, "another resource server's scope grants nothing"


def test_keys_already_fetched_outlive_an_outage_of_the_provider(
    module_store: ReadingStore, tmp_path: Path, figure: Figure
) -> None:
    with JwksServer(tmp_path, jwks(RSA)) as idp:
        settings = token_settings(module_store.table, idp, jwt_jwks_cache_seconds=0.2)
        with served(settings, module_store) as api:
            before = api.post(QUERY, headers=bearer(RSA.token(scope=READ)))
            idp.stop()  # the provider goes away...
            time.sleep(0.3)  # ...and the cached set expires
            known = api.post(QUERY, headers=bearer(RSA.token(scope=READ)))
            unknown = api.post(QUERY, headers=bearer(EC.token(scope=READ)))
    figure(
        f"provider down: known kid {known.status_code}, unknown kid {unknown.status_code} "
        f"{codes(decoded(unknown))}"
    )
    assert (before.status_code, known.status_code, unknown.status_code) == (200, 200, 503)
    assert codes(decoded(unknown)) == ["BACKEND_UNAVAILABLE"]
