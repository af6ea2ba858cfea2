"""Settings, read once from the environment. The only module that reads `os.environ`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from gql.access import parse_api_keys
from gql.errors import ConfigError

Backend = Literal["embedded", "aws"]
RetryMode = Literal["standard", "adaptive", "legacy"]
LogFormat = Literal["text", "json"]


@dataclass(frozen=True)
class Settings:
    table: str = "Devices"
    backend: Backend = "embedded"
    endpoint_url: str | None = None
    # DynamoDB Streams has its own endpoint; unset, it is the DynamoDB one (see the property).
    streams_endpoint: str | None = None
    region: str = "us-east-1"
    profile: str | None = None
    # Several secrets may be given, comma-separated: the first signs, all verify (rotation).
    cursor_secrets: tuple[bytes, ...] = ()
    cursor_ttl_seconds: int = 24 * 3600
    api_keys: frozenset[str] = field(default_factory=frozenset)
    cors_origins: tuple[str, ...] = ()
    production: bool = False
    # Items DynamoDB may evaluate for one filtered page before the page is returned short.
    read_budget: int = 1000
    max_workers: int = 32
    retry_mode: RetryMode = "standard"
    max_attempts: int = 3
    connect_timeout: float = 1.0
    read_timeout: float = 2.0
    request_timeout: float = 2.5
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_body_bytes: int = 64 * 1024
    # Live changes (subscriptions over WebSocket).
    subscription_buffer: int = 1000
    max_subscriptions_per_connection: int = 100
    max_sockets: int = 1000
    # Sockets not yet past connection_init: at most this many of max_sockets (None: a tenth).
    max_pending_sockets: int | None = None
    ws_init_timeout: float = 10.0
    # Per socket: outgoing bytes queued before senders wait; a socket that accepts nothing
    # for ws_send_timeout while messages wait is aborted (SLOW_CONSUMER).
    ws_send_buffer_bytes: int = 256 * 1024
    ws_send_timeout: float = 10.0
    ws_ping_seconds: float = 15.0
    stream_poll_seconds: float = 0.5
    stream_max_outage_seconds: float = 30.0
    # Readings Device.stats and Device.series may evaluate in one request (issue 11).
    history_read_budget: int = 10_000
    series_max_buckets: int = 1000
    # The derived history (issue 16): its table (None: <table>History), staleness, threads.
    history_table: str | None = None
    history_stale_seconds: float = 60.0
    derive_threads: int = 8
    # The Redis relay of live changes (gql/relay/, issue 17); None: each replica reads the stream.
    redis_url: str | None = None
    redis_stream_maxlen: int = 100_000

    @property
    def pending_sockets(self) -> int:
        return min(self.max_pending_sockets or max(1, self.max_sockets // 10), self.max_sockets)

    @property
    def streams_endpoint_url(self) -> str | None:
        return self.streams_endpoint or self.endpoint_url

    @property
    def history_name(self) -> str:
        return self.history_table or f"{self.table}History"

    # Bearer tokens (gql/access/tokens.py): on when a JWKS URL or file is given.
    jwt_jwks_url: str | None = None
    jwt_jwks_file: str | None = None
    jwt_jwks_ca_file: str | None = None
    jwt_issuer: str | None = None
    jwt_audiences: tuple[str, ...] = ()
    jwt_leeway_seconds: int = 30
    jwt_jwks_cache_seconds: float = 600
    jwt_jwks_cooldown_seconds: float = 30
    jwt_scope_prefix: str = ""
    # Persisted queries and trusted documents (gql/access/documents.py).
    persisted_queries_cache_size: int = 1000
    persisted_query_max_age: int = 0
    trusted_documents: str | None = None

    @property
    def jwt_enabled(self) -> bool:
        return self.jwt_jwks_url is not None or self.jwt_jwks_file is not None

    @property
    def auth_required(self) -> bool:
        return bool(self.api_keys) or self.jwt_enabled

    metrics: bool = True
    # prometheus-client's multiprocess mode (several workers): where each process writes.
    metrics_multiprocess_dir: str | None = None
    log_format: LogFormat = "text"
    request_log: bool = True
    # OpenTelemetry exporters to send spans through; none: tracing is off (gql/observe/tracing.py).
    trace_exporters: tuple[str, ...] = ()
    shutdown_seconds: float = 10.0
    shutdown_delay_seconds: float = 0.0
    pin_cpu: bool = False  # each server process on one CPU (gql/web/affinity.py)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        read = _Reader(env)
        endpoint = read.text("AWS_ENDPOINT_URL_DYNAMODB") or read.text("AWS_ENDPOINT_URL")
        backend = read.choice("GQL_BACKEND", ("embedded", "aws"), "aws" if endpoint else "embedded")
        shutdown = read.seconds("GQL_SHUTDOWN_SECONDS", 10.0)
        delay_name = "GQL_SHUTDOWN_DELAY_SECONDS"
        delay = 0.0 if read.text(delay_name) in (None, "0") else read.seconds(delay_name, 0.0)
        if delay >= shutdown:
            raise ConfigError(
                f"GQL_SHUTDOWN_DELAY_SECONDS: {delay:g} must be below "
                f"GQL_SHUTDOWN_SECONDS ({shutdown:g}), which bounds the whole shutdown"
            )
        table = read.table("GQL_TABLE", "Devices")
        history = read.table("GQL_HISTORY_TABLE", f"{table}History")
        if history == table:
            raise ConfigError(f"GQL_HISTORY_TABLE: must not be the readings table, {table!r}")
        secrets = tuple(s.encode() for s in read.items("GQL_CURSOR_SECRET"))
        if any(len(s) < 16 for s in secrets):
            raise ConfigError("GQL_CURSOR_SECRET: each secret must be at least 16 characters")
        return cls(
            table=table,
            backend=backend,  # type: ignore[arg-type]
            endpoint_url=endpoint,
            streams_endpoint=read.url("AWS_ENDPOINT_URL_DYNAMODB_STREAMS"),
            region=read.text("AWS_REGION") or read.text("AWS_DEFAULT_REGION") or "us-east-1",
            profile=read.text("AWS_PROFILE"),
            cursor_secrets=secrets,
            cursor_ttl_seconds=read.integer("GQL_CURSOR_TTL_SECONDS", 24 * 3600, low=1),
            api_keys=frozenset(read.items("GQL_API_KEYS")),
            cors_origins=tuple(read.items("GQL_CORS_ORIGINS")),
            production=read.flag("GQL_PRODUCTION", False),
            read_budget=read.integer("GQL_READ_BUDGET", 1000, low=1),
            max_workers=read.integer("GQL_MAX_WORKERS", 32, low=1),
            retry_mode=read.choice("GQL_RETRY_MODE", get_args(RetryMode), "standard"),  # type: ignore[arg-type]
            max_attempts=read.integer("GQL_MAX_ATTEMPTS", 3, low=1),
            connect_timeout=read.seconds("GQL_CONNECT_TIMEOUT", 1.0),
            read_timeout=read.seconds("GQL_READ_TIMEOUT", 2.0),
            request_timeout=read.seconds("GQL_REQUEST_TIMEOUT", 2.5),
            max_depth=read.integer("GQL_MAX_DEPTH", 10, low=1),
            max_aliases=read.integer("GQL_MAX_ALIASES", 30, low=1),
            max_tokens=read.integer("GQL_MAX_TOKENS", 2000, low=1),
            max_body_bytes=read.integer("GQL_MAX_BODY_BYTES", 64 * 1024, low=1),
            subscription_buffer=read.integer("GQL_SUBSCRIPTION_BUFFER", 1000, low=1),
            max_subscriptions_per_connection=read.integer(
                "GQL_MAX_SUBSCRIPTIONS_PER_CONNECTION", 100, low=1
            ),
            max_sockets=read.integer("GQL_MAX_SOCKETS", 1000, low=1),
            max_pending_sockets=read.integer("GQL_MAX_PENDING_SOCKETS", 0, low=1) or None,
            ws_init_timeout=read.seconds("GQL_WS_INIT_TIMEOUT", 10.0),
            ws_send_buffer_bytes=read.integer("GQL_WS_SEND_BUFFER_BYTES", 256 * 1024, low=1024),
            ws_send_timeout=read.seconds("GQL_WS_SEND_TIMEOUT", 10.0),
            ws_ping_seconds=read.seconds("GQL_WS_PING_SECONDS", 15.0),
            stream_poll_seconds=read.seconds("GQL_STREAM_POLL_SECONDS", 0.5),
            stream_max_outage_seconds=read.seconds("GQL_STREAM_MAX_OUTAGE_SECONDS", 30.0),
            history_read_budget=read.integer("GQL_HISTORY_READ_BUDGET", 10_000, low=1),
            series_max_buckets=read.integer("GQL_SERIES_MAX_BUCKETS", 1000, low=1),
            history_table=history if read.text("GQL_HISTORY_TABLE") else None,
            history_stale_seconds=read.seconds("GQL_HISTORY_STALE_SECONDS", 60.0),
            derive_threads=read.integer("GQL_DERIVE_THREADS", 8, low=1),
            redis_url=read.url("GQL_REDIS_URL", ("redis://", "rediss://", "unix://")),
            redis_stream_maxlen=read.integer("GQL_REDIS_STREAM_MAXLEN", 100_000, low=100),
            **_auth_settings(read),
            persisted_queries_cache_size=read.integer(
                "GQL_PERSISTED_QUERIES_CACHE_SIZE", 1000, low=1
            ),
            persisted_query_max_age=read.integer("GQL_PERSISTED_QUERY_MAX_AGE", 0, low=0),
            trusted_documents=read.text("GQL_TRUSTED_DOCUMENTS"),
            metrics=read.flag("GQL_METRICS", True),
            metrics_multiprocess_dir=read.text("PROMETHEUS_MULTIPROC_DIR"),
            log_format=read.choice("GQL_LOG_FORMAT", ("text", "json"), "text"),  # type: ignore[arg-type]
            request_log=read.flag("GQL_REQUEST_LOG", True),
            trace_exporters=_trace_exporters(read),
            shutdown_seconds=shutdown,
            shutdown_delay_seconds=delay,
            pin_cpu=read.flag("GQL_PIN_CPU", False),
        )


def _auth_settings(read: _Reader) -> dict[str, Any]:
    """API keys and bearer tokens, checked together: half a JWT configuration is an error."""
    try:
        parse_api_keys(read.items("GQL_API_KEYS"))
    except ValueError as exc:
        raise ConfigError(f"GQL_API_KEYS: {exc}") from None
    url, file = read.text("GQL_JWT_JWKS_URL"), read.text("GQL_JWT_JWKS_FILE")
    issuer, audiences = read.text("GQL_JWT_ISSUER"), tuple(read.items("GQL_JWT_AUDIENCE"))
    if url and file:
        raise ConfigError("GQL_JWT_JWKS_URL and GQL_JWT_JWKS_FILE: set one, not both")
    if url and not url.lower().startswith("https://"):
        raise ConfigError(f"GQL_JWT_JWKS_URL: {url!r} must be an https:// URL")
    if url or file:
        for name, value in (("GQL_JWT_ISSUER", issuer), ("GQL_JWT_AUDIENCE", audiences)):
            if not value:
                raise ConfigError(f"{name}: required when GQL_JWT_JWKS_URL or _FILE is set")
    else:
        for name in ("GQL_JWT_ISSUER", "GQL_JWT_AUDIENCE", "GQL_JWT_JWKS_CA_FILE"):
            if read.text(name):
                raise ConfigError(f"{name}: set, but neither GQL_JWT_JWKS_URL nor _FILE is")
    return {
        "jwt_jwks_url": url,
        "jwt_jwks_file": file,
        "jwt_jwks_ca_file": read.text("GQL_JWT_JWKS_CA_FILE"),
        "jwt_issuer": issuer,
        "jwt_audiences": audiences,
        "jwt_leeway_seconds": read.integer("GQL_JWT_LEEWAY_SECONDS", 30, low=0),
        "jwt_jwks_cache_seconds": read.seconds("GQL_JWT_JWKS_CACHE_SECONDS", 600),
        "jwt_jwks_cooldown_seconds": read.seconds("GQL_JWT_JWKS_COOLDOWN_SECONDS", 30),
        "jwt_scope_prefix": read.text("GQL_JWT_SCOPE_PREFIX") or "",
    }


def _trace_exporters(read: _Reader) -> tuple[str, ...]:
    """Tracing is on when the standard OpenTelemetry environment asks for an exporter."""
    if read.flag("OTEL_SDK_DISABLED", False):
        return ()
    names = tuple(name.lower() for name in read.items("OTEL_TRACES_EXPORTER"))
    if names:
        return () if names == ("none",) else names
    endpoints = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
    return ("otlp",) if any(read.text(name) for name in endpoints) else ()


@dataclass(frozen=True)
class _Reader:
    env: Mapping[str, str]

    def text(self, name: str) -> str | None:
        return self.env.get(name, "").strip() or None

    def table(self, name: str, default: str) -> str:
        if re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", value := self.text(name) or default):
            return value  # DynamoDB's rule for table names
        raise ConfigError(f"{name}: {value!r} is not a table name (3-255 of A-Z a-z 0-9 _ - .)")

    def url(self, name: str, schemes: tuple[str, ...] = ("http://", "https://")) -> str | None:
        value = self.text(name)
        if value is not None and not value.lower().startswith(schemes):
            # The value is not shown: a Redis URL may hold a password.
            raise ConfigError(f"{name}: must be a URL that starts with {' or '.join(schemes)}")
        return value

    def items(self, name: str) -> list[str]:
        return [part.strip() for part in (self.text(name) or "").split(",") if part.strip()]

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = (self.text(name) or default).lower()
        if value not in allowed:
            raise ConfigError(f"{name}: {value!r} is not one of {', '.join(allowed)}")
        return value

    def integer(self, name: str, default: int, *, low: int) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{name}: {raw!r} is not a whole number") from None
        if value < low:
            raise ConfigError(f"{name}: {value} is below the minimum of {low}")
        return value

    def seconds(self, name: str, default: float) -> float:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name}: {raw!r} is not a number of seconds") from None
        if not 0 < value < 3600:
            raise ConfigError(f"{name}: {raw} must be between 0 and 3600 seconds")
        return value

    def flag(self, name: str, default: bool) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        if raw.lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ConfigError(f"{name}: {raw!r} is not a boolean (use true or false)")
        return raw.lower() in ("1", "true", "yes", "on")
