"""An identity provider in miniature, for the token tests: keys, tokens and a JWKS over HTTPS.

`JwksServer` serves `/jwks.json` on loopback over TLS with a self-signed certificate made
here (its CA file is what the server under test is told to trust, through
GQL_JWT_JWKS_CA_FILE); it counts its fetches, and `keys` can be swapped to rotate them.
`Signer` holds one private key and mints tokens with it (PyJWT); `forged` makes the tokens
PyJWT refuses to make (`alg: none`, HS256 keyed with a public key).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import ipaddress
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from gql.config import Settings
from tests.api.conftest import settings_for

ISSUER = "https://idp.example.test/pool"
AUDIENCE = "devices-api"


@dataclass
class Signer:
    """A private key with a kid; `jwk` is its public half as a JWKS entry."""

    kid: str
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    alg: str

    @classmethod
    def rsa(cls, kid: str) -> Signer:
        return cls(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256")

    @classmethod
    def ec(cls, kid: str) -> Signer:
        return cls(kid, ec.generate_private_key(ec.SECP256R1()), "ES256")

    @property
    def jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.alg)
        entry: dict[str, Any] = json.loads(algorithm.to_jwk(self.key.public_key()))
        return {**entry, "kid": self.kid, "alg": self.alg, "use": "sig"}

    @property
    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def token(self, *, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        """A token with sane defaults (issuer, audience, an hour to live), overridden by
        `claims`; a claim given as None is left out."""
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "iat": now, "exp": now + 3600}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(
            body, self.key, algorithm=self.alg, headers={"kid": self.kid, **(headers or {})}
        )


def jwks(*signers: Signer) -> dict[str, Any]:
    return {"keys": [signer.jwk for signer in signers]}


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files; the certificate is its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gql test JWKS")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "jwks-cert.pem", directory / "jwks-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class JwksServer:
    """`keys` served at `url` over HTTPS; `fetches` counts the requests for it."""

    directory: Path
    keys: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    fetches: int = 0

    def __post_init__(self) -> None:
        self.ca_file, key_file = self_signed(self.directory)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file, key_file)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                body = json.dumps(server.keys).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """The provider goes away: its port refuses connections (safe to call twice)."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()


def token_settings(table: str, server: JwksServer, **overrides: Any) -> Settings:
    return settings_for(
        table,
        jwt_jwks_url=server.url,
        jwt_jwks_ca_file=str(server.ca_file),
        jwt_issuer=ISSUER,
        jwt_audiences=(AUDIENCE,),
        **overrides,
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """A token made by hand: PyJWT refuses to make these ones, which is the point."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = (
        b"" if key is None else hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    )
    return f"{signing_input}.{_b64(signature)}"


def valid_claims() -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "mallory",
        "exp": now + 3600,
        "scope": "readings:read readings:write",
    }
