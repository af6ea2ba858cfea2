"""JWT bearer tokens, verified with PyJWT against a JWKS (an HTTPS URL or a file).

- Asymmetric algorithms only: a token whose header says `none` or `HS256` is refused before
  any key is looked at, so a token MACed with the public key as the secret cannot pass.
- The issuer must match and `exp` is required; `exp`/`nbf` are checked with a small leeway.
- The audience: `aud` must name one of the configured audiences. Cognito user pools' access
  tokens have no `aud`; they carry `client_id` and `token_use: access`, and for those (only)
  `client_id` is taken as the audience.
- Scopes come from `scope` (space-separated, as OAuth and Cognito write it) and `scp` (a list,
  or a space-separated string, as Azure AD and Okta write it). Cognito names a custom scope
  `<resource server>/<scope>`: with `scope_prefix` "devices-api/", "devices-api/readings:read"
  is read as `readings:read`.
- Keys come from PyJWT's PyJWKClient: the set is cached for `cache_seconds`, an unknown `kid`
  refetches it at most once per `cooldown_seconds` (so tokens with made-up kids cannot turn the
  server into a flood of requests to the identity provider). A fetch blocks, so it runs in a
  thread; the common case, a kid already cached, is answered without leaving the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKSet

from gql.errors import BackendUnavailableError, ConfigError, UnauthenticatedError

log = logging.getLogger("gql.tokens")

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class KeySource(Protocol):
    def cached(self, kid: str) -> PyJWK | None:
        """The key if it is known without blocking, else None."""

    def fetch(self, kid: str) -> PyJWK | None:
        """The key, refreshing the set if allowed; may block. None: no such key."""


class FileKeys:
    """A JWKS read once at start-up (GQL_JWT_JWKS_FILE): nothing to refresh."""

    def __init__(self, path: str, variable: str = "GQL_JWT_JWKS_FILE") -> None:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            self.keys = {key.key_id: key for key in PyJWKSet.from_dict(data).keys if key.key_id}
        except (OSError, ValueError, jwt.PyJWTError) as exc:
            raise ConfigError(f"{variable}: {path}: not a readable JWKS: {exc}") from None
        if not self.keys:
            raise ConfigError(f"{variable}: {path}: the JWKS holds no key with a kid")

    def cached(self, kid: str) -> PyJWK | None:
        return self.keys.get(kid)

    def fetch(self, kid: str) -> PyJWK | None:
        return self.keys.get(kid)


class UrlKeys:
    """A JWKS fetched over HTTPS by PyJWKClient, cached and refreshed as the module says.

    When the provider cannot be reached, the keys last fetched keep verifying tokens (a
    provider's outage should not sign everyone out), and another attempt waits for the
    cooldown, so requests fail fast instead of queueing behind fetches that time out.
    """

    def __init__(
        self,
        url: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        cache_seconds: float = 600,
        cooldown_seconds: float = 30,
        timeout: float = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = PyJWKClient(
            url,
            lifespan=cache_seconds,
            ssl_context=ssl_context or ssl.create_default_context(),
            cooldown_duration=cooldown_seconds,
            timeout=timeout,
        )
        self.cooldown_seconds = cooldown_seconds
        self.clock = clock
        self._last_known: dict[str, PyJWK] = {}
        self._failed_at: float | None = None

    def cached(self, kid: str) -> PyJWK | None:
        cache = self.client.jwk_set_cache
        keys = cache.get() if cache is not None else None
        if isinstance(keys, PyJWKSet):
            return next((key for key in keys.keys if key.key_id == kid), None)
        return None

    def fetch(self, kid: str) -> PyJWK | None:
        failed_recently = (
            self._failed_at is not None and self.clock() - self._failed_at < self.cooldown_seconds
        )
        try:
            if failed_recently:
                raise jwt.PyJWKClientConnectionError("the last attempt failed")
            key = self.client.get_signing_key(kid)
        except jwt.PyJWKClientError as exc:
            if not isinstance(exc, jwt.PyJWKClientConnectionError):
                return None  # fetched, and no such kid
            if not failed_recently:
                self._failed_at = self.clock()
                log.warning("JWKS fetch failed: %s", exc)
            if kid in self._last_known:
                return self._last_known[kid]
            raise BackendUnavailableError("the token signing keys could not be fetched") from None
        except jwt.PyJWTError as exc:  # a JWKS that does not parse: the provider's fault
            log.warning("JWKS unusable: %s", exc)
            raise BackendUnavailableError("the token signing keys could not be read") from None
        self._failed_at = None
        self._last_known = {k.key_id: k for k in self.client.get_signing_keys() if k.key_id}
        return key


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    subject: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str
    audiences: frozenset[str]
    leeway_seconds: float = 30
    scope_prefix: str = ""


class TokenVerifier:
    def __init__(self, keys: KeySource, policy: TokenPolicy) -> None:
        self.keys = keys
        self.policy = policy
        # One refresh at a time: concurrent requests with a new kid share its result.
        self._fetching = asyncio.Lock()

    async def verify(self, token: str) -> VerifiedToken:
        header = _header(token)
        key = self.keys.cached(header["kid"])
        if key is None:
            async with self._fetching:  # a fetch just made by another request may have it
                key = self.keys.cached(header["kid"]) or await asyncio.to_thread(
                    self.keys.fetch, header["kid"]
                )
        if key is None:
            raise UnauthenticatedError("the token's signing key (kid) is not known")
        claims = self._claims(token, key, header["alg"])
        subject = claims.get("sub") or claims.get("client_id") or "token"
        return VerifiedToken(str(subject), _scopes(claims, self.policy.scope_prefix))

    def _claims(self, token: str, key: PyJWK, alg: str) -> dict[str, Any]:
        if isinstance(key.key, str | bytes):  # a symmetric (oct) key: never for a token
            raise UnauthenticatedError("the token's signing key is not an asymmetric key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[alg],
                issuer=self.policy.issuer,
                leeway=self.policy.leeway_seconds,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise UnauthenticatedError("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise UnauthenticatedError("the token is not valid yet (nbf)") from None
        except jwt.InvalidIssuerError:
            raise UnauthenticatedError("the token's issuer is not accepted") from None
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise UnauthenticatedError(f"the token is not valid: {exc}") from None
        if not self._audience_ok(claims):
            raise UnauthenticatedError("the token's audience is not accepted")
        return claims

    def _audience_ok(self, claims: dict[str, Any]) -> bool:
        audience = claims.get("aud")
        if audience is None and claims.get("token_use") == "access":
            audience = claims.get("client_id")  # Cognito access tokens: see the module docstring
        given = [audience] if isinstance(audience, str) else audience
        if not isinstance(given, list):
            return False
        return any(isinstance(a, str) and a in self.policy.audiences for a in given)


def _header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise UnauthenticatedError("the bearer token is not a JWT") from None
    alg = header.get("alg")
    if alg not in ASYMMETRIC:
        raise UnauthenticatedError(
            f"the token's algorithm {alg!r} is not accepted (asymmetric algorithms only)"
        )
    if not isinstance(header.get("kid"), str):
        raise UnauthenticatedError("the token has no kid in its header")
    return header


def _scopes(claims: dict[str, Any], prefix: str) -> frozenset[str]:
    scopes: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        items: Iterable[object] = value.split() if isinstance(value, str) else ()
        if isinstance(value, list):
            items = value
        scopes.update(item for item in items if isinstance(item, str))
    if prefix:
        scopes |= {scope.removeprefix(prefix) for scope in scopes if scope.startswith(prefix)}
    return frozenset(scopes)
