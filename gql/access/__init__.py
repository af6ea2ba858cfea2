"""Access control: who is asking, and which documents may run. No strawberry here.

auth.py       credentials (API keys with scopes, JWT) -> a Principal; the scope an operation needs
tokens.py     JWT verification against a JWKS (URL or file), asymmetric algorithms only
documents.py  automatic persisted queries and the trusted-documents allow-list
"""

from gql.access.auth import Authenticator, Principal, parse_api_keys, require_scope, scope_for
from gql.access.documents import Documents, PersistedQueries, load_trusted_documents, sha256
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
