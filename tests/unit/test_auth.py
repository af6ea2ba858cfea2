"""API keys with scopes, the auth settings, and how headers or connection_init authenticate."""

from __future__ import annotations

import pytest

from gql.access.auth import READ, WRITE, Authenticator, Principal, parse_api_keys, scope_for
from gql.config import Settings
from gql.errors import ConfigError, UnauthenticatedError

BOTH = frozenset({READ, WRITE})
JWT_ENV = {
    "GQL_JWT_JWKS_URL": "https://idp.example/jwks.json",
    "GQL_JWT_ISSUER": "https://idp.example/",
    "GQL_JWT_AUDIENCE": "api",
}


def refusal(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    return str(caught.value)


@pytest.mark.parametrize(
    ("entry", "scopes"),
    [
        ("plain-key", BOTH),
        ("reader=readings:read", {READ}),
        ("writer=readings:write", {WRITE}),
        ("both=readings:read readings:write", BOTH),
        ("both=readings:read+readings:write", BOTH),
        ("spaced = readings:read  +  readings:write ", BOTH),
    ],
)
def test_api_key_entries_give_their_scopes(entry: str, scopes: set[str]) -> None:
    (key,) = parse_api_keys([entry])
    assert key.secret == entry.partition("=")[0].strip().encode()
    assert key.scopes == scopes


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("good,=readings:read", "entry 2 has no key"),
        ("good,k=", "entry 2 has '=' but no scope"),
        ("k=reading:read", "unknown scope 'reading:read'"),
        ("k=readings:read admin", "unknown scope 'admin'"),
    ],
)
def test_a_malformed_api_key_entry_stops_start_up_naming_the_variable(
    value: str, words: str
) -> None:
    message = refusal({"GQL_API_KEYS": value})
    assert message.startswith("GQL_API_KEYS: ")
    assert words in message


def test_api_keys_with_scopes_are_kept_as_entries() -> None:
    settings = Settings.from_env({"GQL_API_KEYS": "k1, k2=readings:read"})
    assert settings.api_keys == frozenset({"k1", "k2=readings:read"})
    assert settings.auth_required


def test_a_complete_jwt_configuration_is_read() -> None:
    env = {**JWT_ENV, "GQL_JWT_AUDIENCE": "api, client-id", "GQL_JWT_LEEWAY_SECONDS": "5"}
    settings = Settings.from_env(env)
    assert (settings.jwt_jwks_url, settings.jwt_issuer, settings.jwt_audiences) == (
        "https://idp.example/jwks.json",
        "https://idp.example/",
        ("api", "client-id"),
    )
    assert (settings.jwt_leeway_seconds, settings.jwt_enabled, settings.auth_required) == (
        5,
        True,
        True,
    )


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"GQL_JWT_ISSUER": ""}, "GQL_JWT_ISSUER: required"),
        ({"GQL_JWT_AUDIENCE": ""}, "GQL_JWT_AUDIENCE: required"),
        ({"GQL_JWT_JWKS_URL": "http://idp.example/jwks"}, "GQL_JWT_JWKS_URL: 'http://"),
        ({"GQL_JWT_JWKS_FILE": "/x.json"}, "set one, not both"),
        ({"GQL_JWT_JWKS_URL": ""}, "GQL_JWT_ISSUER: set, but neither"),
        ({"GQL_JWT_LEEWAY_SECONDS": "-1"}, "GQL_JWT_LEEWAY_SECONDS"),
        ({"GQL_JWT_JWKS_COOLDOWN_SECONDS": "0"}, "GQL_JWT_JWKS_COOLDOWN_SECONDS"),
    ],
)
def test_half_a_jwt_configuration_stops_start_up(change: dict[str, str], words: str) -> None:
    assert words in refusal({**JWT_ENV, **change})


def test_operations_need_read_except_mutations() -> None:
    assert [scope_for(t) for t in ("query", "subscription", "mutation")] == [READ, READ, WRITE]


def keyed() -> Authenticator:
    return Authenticator(parse_api_keys(["reader-key=readings:read", "admin-key"]))


async def test_each_api_key_gets_its_own_scopes_and_a_subject_without_the_key() -> None:
    reader = await keyed().authenticate({"x-api-key": "reader-key"})
    admin = await keyed().authenticate({"x-api-key": "admin-key"})
    assert reader == Principal("api-key #1", frozenset({READ}), "api_key")
    assert admin == Principal("api-key #2", BOTH, "api_key")


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-api-key": ""}, {"x-api-key": "reader-ke"}, {"authorization": "Bearer admin-key"}],
)
async def test_no_valid_key_is_unauthenticated(headers: dict[str, str]) -> None:
    with pytest.raises(UnauthenticatedError):
        await keyed().authenticate(headers)


async def test_nothing_configured_means_everyone_has_every_scope() -> None:
    principal = await Authenticator().authenticate({})
    assert (principal.kind, principal.scopes) == ("anonymous", BOTH)


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"x-api-key": "reader-key"}, {}),
        ({"X-API-Key": "reader-key"}, {}),
        ({}, {"x-api-key": "reader-key"}),
        (None, {"x-api-key": "reader-key"}),
        ({"x-api-key": "reader-key"}, {"x-api-key": "wrong"}),
    ],
)
async def test_connection_init_payload_or_handshake_headers_carry_the_key(
    params: object, headers: dict[str, str]
) -> None:
    principal = await keyed().authenticate_connection_params(params, headers)
    assert principal.subject == "api-key #1"


@pytest.mark.parametrize("params", [{}, {"x-api-key": 42}, ["reader-key"], {"x-api-key": "no"}])
async def test_connection_init_without_a_valid_key_is_refused(params: object) -> None:
    with pytest.raises(UnauthenticatedError):
        await keyed().authenticate_connection_params(params, {})
