"""Access control: who is asking, and which documents may run. No strawberry here.

auth.py       credentials (API keys with scopes, JWT) -> a Principal; the scope an operation needs
tokens.py     JWT verification against a JWKS (URL or file), asymmetric algorithms only
documents.py  automatic persisted queries and the trusted-documents allow-list
"""

from typing import TYPE_CHECKING

from gql.access.auth import Authenticator, Principal, parse_api_keys, require_scope, scope_for
from gql.access.documents import Documents, PersistedQueries, load_trusted_documents, sha256

if TYPE_CHECKING:
    from gql.access.tokens import FileKeys, KeySource, TokenPolicy, TokenVerifier, UrlKeys

__all__ = [
    "Authenticator",
    "Documents",
    "FileKeys",
    "KeySource",
    "PersistedQueries",
    "Principal",
    "TokenPolicy",
    "TokenVerifier",
    "UrlKeys",
    "load_trusted_documents",
    "parse_api_keys",
    "require_scope",
    "scope_for",
    "sha256",
]


def __getattr__(name: str) -> object:
    # JWT verification imports PyJWT and cryptography, a fifth of a second: only a server
    # configured with a JWKS pays for it, not every command that reads the settings.
    if name in ("FileKeys", "KeySource", "TokenPolicy", "TokenVerifier", "UrlKeys"):
        from gql.access import tokens

        return getattr(tokens, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
