"""Credentials -> a principal with scopes: API keys (`x-api-key`) and JWT bearer tokens.

No strawberry here: the HTTP edge (gql/web/http.py) authenticates every request with an
`Authenticator` and puts the `Principal` in the ASGI scope; the schema checks the scope that
the operation needs once the document is parsed (gql/schema/extensions.py, `ScopeCheck`).

API keys are configured as `GQL_API_KEYS="k1,k2=readings:read"`: entries separated by commas,
each a key, optionally followed by `=` and its scopes separated by spaces or `+` (both are
accepted: `+` needs no quoting in a shell or a compose file). A key without `=` has every scope.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from gql.errors import ForbiddenError, UnauthenticatedError

if TYPE_CHECKING:
    from gql.access.tokens import TokenVerifier

READ = "readings:read"
WRITE = "readings:write"
SCOPES = (READ, WRITE)

PrincipalKind = Literal["anonymous", "api_key", "token"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling and what they may do. `subject` never holds a key or a token."""

    subject: str
    scopes: frozenset[str]
    kind: PrincipalKind

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


# When no credential is configured the API is open, as it was before auth existed.
ANONYMOUS = Principal("anonymous", frozenset(SCOPES), "anonymous")


def scope_for(operation_type: str) -> str:
    """The scope an operation needs: writes need `readings:write`, everything else reads."""
    return WRITE if operation_type == "mutation" else READ


def require_scope(principal: Principal, operation_type: str) -> None:
    scope = scope_for(operation_type)
    if not principal.allows(scope):
        raise ForbiddenError(f"a {operation_type} needs the scope {scope}, not granted here")


@dataclass(frozen=True, slots=True)
class ApiKey:
    secret: bytes
    scopes: frozenset[str]
    index: int  # the position in GQL_API_KEYS: names the key in logs without showing it


def parse_api_keys(entries: Iterable[str]) -> tuple[ApiKey, ...]:
    """`key` or `key=scope scope`; ValueError says which entry (by position) is wrong."""
    keys: list[ApiKey] = []
    for index, entry in enumerate(entries, start=1):
        secret, has_scopes, scope_text = entry.partition("=")
        secret = secret.strip()
        if not secret:
            raise ValueError(f"entry {index} has no key before '='")
        scopes = frozenset(s for s in re.split(r"[\s+]+", scope_text) if s)
        if has_scopes:
            if not scopes:
                raise ValueError(f"entry {index} has '=' but no scope after it")
            unknown = sorted(scopes - set(SCOPES))
            if unknown:
                raise ValueError(
                    f"entry {index}: unknown scope {unknown[0]!r} (known: {', '.join(SCOPES)})"
                )
        keys.append(ApiKey(secret.encode(), scopes or frozenset(SCOPES), index))
    return tuple(keys)


class Authenticator:
    """Turns request headers (or a WebSocket's connection_init payload) into a Principal."""

    def __init__(self, api_keys: Iterable[ApiKey] = (), tokens: TokenVerifier | None = None):
        self.api_keys = tuple(api_keys)
        self.tokens = tokens

    @property
    def required(self) -> bool:
        return bool(self.api_keys) or self.tokens is not None

    def challenge(self, *, invalid_token: bool = False) -> str:
        """The WWW-Authenticate value of a 401: the schemes this server accepts (RFC 6750)."""
        schemes = []
        if self.tokens is not None:
            error = ', error="invalid_token"' if invalid_token else ""
            schemes.append(f'Bearer realm="graphql"{error}')
        if self.api_keys:
            schemes.append("ApiKey")
        return ", ".join(schemes)

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        """`headers` looked up by lowercase name; raises UnauthenticatedError."""
        if not self.required:
            return ANONYMOUS
        authorization = headers.get("authorization", "")
        scheme, _, token = authorization.strip().partition(" ")
        if self.tokens is not None and scheme.lower() == "bearer" and token.strip():
            verified = await self.tokens.verify(token.strip())
            return Principal(verified.subject, verified.scopes, "token")
        if self.api_keys and "x-api-key" in headers:
            return self._api_key(headers["x-api-key"])
        raise UnauthenticatedError(self._missing())

    async def authenticate_connection_params(
        self, params: object, headers: Mapping[str, str]
    ) -> Principal:
        """A WebSocket: the connection_init payload's credential, else the handshake's headers.

        The payload carries `{"x-api-key": "..."}` or `{"authorization": "Bearer ..."}`
        (names in any case), because browsers cannot set headers on a WebSocket.
        """
        given = {k.lower(): v for k, v in params.items()} if isinstance(params, Mapping) else {}
        credentials = {
            name: value
            for name in ("authorization", "x-api-key")
            if isinstance(value := given.get(name, headers.get(name)), str)
        }
        return await self.authenticate(credentials)

    def _api_key(self, given: str) -> Principal:
        candidate = given.encode()
        found: ApiKey | None = None
        # Compare against every key, so the time taken does not tell which one nearly matched.
        for key in self.api_keys:
            if hmac.compare_digest(candidate, key.secret):
                found = key
        if found is None:
            raise UnauthenticatedError("the x-api-key is not valid")
        return Principal(f"api-key #{found.index}", found.scopes, "api_key")

    def _missing(self) -> str:
        if self.tokens is not None and self.api_keys:
            return "a bearer token (Authorization: Bearer ...) or an x-api-key header is required"
        if self.tokens is not None:
            return "a bearer token is required (Authorization: Bearer ...)"
        return "a valid x-api-key header is required"
