"""Configuration from environment variables, with documented defaults.

Every setting has one environment variable; the README lists them all. Settings are read once
at start into a frozen dataclass and passed explicitly (no module-level globals elsewhere).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hirestream.candidate_tokens import TokenKeys

if TYPE_CHECKING:
    from hirestream.agents.mailer.smtp import SmtpConfig


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = _env(name, str(default))
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    return _env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def _env_path(name: str) -> Path | None:
    value = _env(name, "")
    return Path(value) if value else None


#: ``HIRESTREAM_STORE`` values: the table stores a worker can keep its tables in.
TABLE_STORES = ("rocksdb", "memory")

#: ``KAFKA_SECURITY_PROTOCOL`` values (Kafka's ``security.protocol``); TLS and SASL subsets.
KAFKA_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
KAFKA_TLS_PROTOCOLS = frozenset({"SSL", "SASL_SSL"})
KAFKA_SASL_PROTOCOLS = frozenset({"SASL_PLAINTEXT", "SASL_SSL"})
#: ``KAFKA_SASL_MECHANISM`` values (each with a username and a password).
KAFKA_SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs to know about its environment."""

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    database_url: str = "postgresql://hirestream:hirestream@127.0.0.1:55432/hirestream"
    app_id: str = "hirestream"
    topic_prefix: str = ""
    partitions: int = 12
    replication_factor: int = 1
    worker_name: str = field(default_factory=socket.gethostname)
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    advertised_url: str = ""
    api_prefix: str = "/api/v1"
    data_dir: Path = Path(".stack/worker")
    store: str = "rocksdb"
    """``HIRESTREAM_STORE``: where the worker keeps its tables [``rocksdb``]: ``rocksdb``, on
    disk under ``tables_dir`` (faust-streaming's RocksDB store on ``rocksdict``), so a restart
    reads only the changelogs' tails; or ``memory``, rebuilt from the whole changelogs at
    every start (each run from nothing, as tests may want)."""
    jwt_secret: str = ""
    jwt_public_key: str = ""
    jwt_algorithms: tuple[str, ...] = ("HS256",)
    jwt_issuer: str = ""
    jwt_audience: str = ""
    session_timeout_s: float = 10.0
    fetch_max_wait_ms: int = 25
    """``HIRESTREAM_FETCH_MAX_WAIT_MS``: how long the broker may hold the worker's fetch when no
    partition in it has data [25]; 1 to 1500 (Faust's own value). Lower: a command waits less
    behind a fetch that did not ask for its partition; higher: fewer empty fetches when idle
    (``hirestream/faust_transport.py``)."""
    event_fetch_interval_ms: int = 100
    """``HIRESTREAM_EVENT_FETCH_INTERVAL_MS``: how often the worker's consumer fetches the event
    topics its agents read in the background (the enricher's and the mailer's) [100]; 0 to
    10000, 0 meaning in every fetch round. An event reaches the enricher or the mailer at most
    about this much later; commands are fetched in every round whatever it is
    (``hirestream/event_fetch.py``)."""
    idempotency_retention_s: float = 24 * 3600.0
    command_timeout_s: float = 10.0
    forward_timeout_s: float = 5.0
    api_key_cache_ttl_s: float = 4.0
    max_body_bytes: int = 1024 * 1024
    app_url: str = "http://127.0.0.1:8080"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_user: str = ""
    """``SMTP_USER``: login at the SMTP server, with ``smtp_password`` [empty: no login]."""
    smtp_password: str = field(default="", repr=False)
    """``SMTP_PASSWORD`` [empty]; never in ``repr``."""
    smtp_starttls: bool = False
    """``SMTP_STARTTLS``: upgrade with STARTTLS, and fail when the server cannot (port 587)
    [false: plain SMTP, no opportunistic upgrade]."""
    smtp_tls: bool = False
    """``SMTP_TLS``: implicit TLS from the first byte (port 465) [false]; not with STARTTLS."""
    smtp_timeout_s: float = 10.0
    """``SMTP_TIMEOUT_S``: limit of one whole delivery attempt, in seconds [10]."""
    smtp_sender: str = "interviews@hirestream.local"
    """``SMTP_FROM``: the sender of invitations, ``From`` and envelope
    [``interviews@hirestream.local``]."""
    candidate_token_keys: str = field(default="", repr=False)
    """``HIRESTREAM_CANDIDATE_TOKEN_KEYS``: ``<key id>:<base64 secret of ≥ 32 bytes>,…``, the
    first signing candidate links, all verifying (``hirestream.candidate_tokens``) [empty: no
    candidate links]. ``make run`` generates one into ``.stack/candidate-token-keys``; every
    worker of a fleet must have the same keys. Never in ``repr``."""
    invite_rate_per_minute: int = 30
    """``HIRESTREAM_INVITE_RATE_PER_MINUTE``: invitation emails sent per minute at most [30]."""
    candidate_token_expiry_days: float = 7.0
    """``CANDIDATE_TOKEN_EXPIRY_DAYS``: how long a candidate link is valid, in days [7]."""
    llm_url: str = ""
    """``HIRESTREAM_LLM_URL``: an OpenAI-compatible endpoint for the assessor's LLM scorer
    [empty: the deterministic rubric scorer]."""
    llm_model: str = ""
    """``HIRESTREAM_LLM_MODEL``: the model to ask (required with a URL)."""
    llm_api_key: str = field(default="", repr=False)
    """``HIRESTREAM_LLM_API_KEY``: sent as a bearer token [empty: none]; never in ``repr``."""
    llm_timeout_s: float = 20.0
    """``HIRESTREAM_LLM_TIMEOUT_S``: after this, the rubric scorer answers instead [20]."""
    assessor_in_worker: bool = True
    """``HIRESTREAM_ASSESSOR_IN_WORKER``: run the assessor inside the worker [true]; false
    when it runs as its own process (``python -m hirestream assessor``)."""
    assessor_port: int = 7779
    """``HIRESTREAM_ASSESSOR_PORT``: health and metrics of a stand-alone assessor [7779]."""
    callback_http_hosts: frozenset[str] = frozenset()
    webhooks_in_worker: bool = True
    """``HIRESTREAM_WEBHOOKS_IN_WORKER``: run webhook delivery in this worker [true]: the
    recorder (consumer group ``<app id>-webhooks``, writing the outbox) and the scheduler
    (sending what is due). False: this worker neither records nor sends; another worker of the
    fleet, or a process of their own (``python -m hirestream webhooks``), must."""
    webhooks_port: int = 7780
    """``HIRESTREAM_WEBHOOKS_PORT``: health and metrics of stand-alone webhook delivery
    [7780]."""
    webhooks_fetch_wait_ms: int = 200
    """``HIRESTREAM_WEBHOOKS_FETCH_WAIT_MS``: how long the broker may hold the webhook
    recorder's fetch while less than 1 MiB of events is waiting [200]; 1 to 1500. The recorder
    reads every event topic (hundreds of partitions), and each fetch round costs CPU per
    partition: waiting to gather the events of several commands costs a delivery at most this
    much latency and saved about a fifth of the worker's CPU per create (README,
    Performance)."""
    webhook_concurrency: int = 16
    """``HIRESTREAM_WEBHOOK_CONCURRENCY``: webhook attempts in flight at most in this worker
    [16]. Each one waits on the network (15 s at worst), so the number bounds sockets and
    database work, not CPU."""
    webhook_host_concurrency: int = 4
    """``HIRESTREAM_WEBHOOK_HOST_CONCURRENCY``: of those, at most this many to one
    ``host:port`` [4], so a slow receiver holds a quarter of the worker's attempts and the rest
    go to other receivers."""
    webhook_retry_scale: float = 1.0
    """``HIRESTREAM_WEBHOOK_RETRY_SCALE``: factor on the retry delays (5 s, 5 min, 30 min, 2 h,
    5 h, 10 h, 10 h) [1]; tests set a small one so that a retry comes in milliseconds."""
    log_level: str = "INFO"
    # Kafka TLS/SASL (docs/kafka-security.md); checked in __post_init__.
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = ""
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = field(default="", repr=False)
    kafka_ssl_ca_file: Path | None = None  # None: the system's trusted CAs
    kafka_ssl_cert_file: Path | None = None  # client certificate (mutual TLS)
    kafka_ssl_key_file: Path | None = None  # its private key, unless in the certificate file

    def __post_init__(self) -> None:
        _check_kafka_security(self)
        _check_mail(self)
        _check_webhooks(self)
        if self.store not in TABLE_STORES:
            raise ValueError(
                f"HIRESTREAM_STORE must be one of {', '.join(TABLE_STORES)}, got {self.store!r}"
            )
        if not 1 <= self.fetch_max_wait_ms <= 1500:
            raise ValueError(
                f"HIRESTREAM_FETCH_MAX_WAIT_MS must be 1 to 1500, got {self.fetch_max_wait_ms}"
            )
        if not 0 <= self.event_fetch_interval_ms <= 10_000:
            raise ValueError(
                "HIRESTREAM_EVENT_FETCH_INTERVAL_MS must be 0 to 10000, got "
                f"{self.event_fetch_interval_ms}"
            )
        if not 1 <= self.webhooks_fetch_wait_ms <= 1500:
            raise ValueError(
                "HIRESTREAM_WEBHOOKS_FETCH_WAIT_MS must be 1 to 1500, got "
                f"{self.webhooks_fetch_wait_ms}"
            )

    @property
    def tables_dir(self) -> Path:
        """Where this worker's persistent tables are: its data dir, one folder per fleet (app
        id), so that workers of two fleets with one name never share a database."""
        return self.data_dir / self.worker_name / "tables" / self.app_id

    @property
    def web_url(self) -> str:
        """The URL other workers use to reach this worker (forwarded reads)."""
        return self.advertised_url or f"http://{self.web_host}:{self.web_port}"

    def smtp_config(self) -> SmtpConfig:
        """How the mailer reaches the SMTP server."""
        from hirestream.agents.mailer.smtp import SmtpConfig  # aiosmtplib: only when mailing

        return SmtpConfig(
            host=self.smtp_host,
            port=self.smtp_port,
            user=self.smtp_user,
            password=self.smtp_password,
            starttls=self.smtp_starttls,
            use_tls=self.smtp_tls,
            timeout_s=self.smtp_timeout_s,
            sender=self.smtp_sender,
        )

    def token_keys(self) -> TokenKeys | None:
        """The candidate token keys; None when ``HIRESTREAM_CANDIDATE_TOKEN_KEYS`` is not set."""
        return TokenKeys.parse(self.candidate_token_keys) if self.candidate_token_keys else None

    @classmethod
    def from_env(cls) -> Settings:
        public_key = _env("HIRESTREAM_JWT_PUBLIC_KEY", "")
        public_key_file = _env("HIRESTREAM_JWT_PUBLIC_KEY_FILE", "")
        if public_key_file and not public_key:
            public_key = Path(public_key_file).read_text()
        algorithms_default = "RS256,ES256" if public_key else "HS256"
        algorithms = tuple(
            a.strip() for a in _env("HIRESTREAM_JWT_ALGORITHMS", algorithms_default).split(",")
        )
        return cls(
            kafka_bootstrap_servers=_env("KAFKA_BOOTSTRAP_SERVERS", cls.kafka_bootstrap_servers),
            database_url=_env("DATABASE_URL", cls.database_url),
            app_id=_env("HIRESTREAM_APP_ID", cls.app_id),
            topic_prefix=_env("HIRESTREAM_TOPIC_PREFIX", ""),
            partitions=_env_int("HIRESTREAM_PARTITIONS", cls.partitions),
            replication_factor=_env_int("HIRESTREAM_REPLICATION_FACTOR", cls.replication_factor),
            worker_name=_env("HIRESTREAM_WORKER_NAME", socket.gethostname()),
            web_host=_env("HIRESTREAM_HOST", cls.web_host),
            web_port=_env_int("HIRESTREAM_PORT", cls.web_port),
            advertised_url=_env("HIRESTREAM_ADVERTISED_URL", ""),
            api_prefix=_env("HIRESTREAM_API_PREFIX", cls.api_prefix),
            data_dir=Path(_env("HIRESTREAM_DATA_DIR", str(cls.data_dir))),
            store=_env("HIRESTREAM_STORE", cls.store).lower(),
            jwt_secret=_env("HIRESTREAM_JWT_SECRET", ""),
            jwt_public_key=public_key,
            jwt_algorithms=algorithms,
            jwt_issuer=_env("HIRESTREAM_JWT_ISSUER", ""),
            jwt_audience=_env("HIRESTREAM_JWT_AUDIENCE", ""),
            session_timeout_s=_env_float("HIRESTREAM_SESSION_TIMEOUT_S", cls.session_timeout_s),
            fetch_max_wait_ms=_env_int("HIRESTREAM_FETCH_MAX_WAIT_MS", cls.fetch_max_wait_ms),
            event_fetch_interval_ms=_env_int(
                "HIRESTREAM_EVENT_FETCH_INTERVAL_MS", cls.event_fetch_interval_ms
            ),
            idempotency_retention_s=_env_float(
                "HIRESTREAM_IDEMPOTENCY_RETENTION_S", cls.idempotency_retention_s
            ),
            command_timeout_s=_env_float("HIRESTREAM_COMMAND_TIMEOUT_S", cls.command_timeout_s),
            forward_timeout_s=_env_float("HIRESTREAM_FORWARD_TIMEOUT_S", cls.forward_timeout_s),
            api_key_cache_ttl_s=_env_float("HIRESTREAM_API_KEY_CACHE_TTL_S", 4.0),
            max_body_bytes=_env_int("HIRESTREAM_MAX_BODY_BYTES", cls.max_body_bytes),
            app_url=_env("APP_URL", cls.app_url),
            smtp_host=_env("SMTP_HOST", cls.smtp_host),
            smtp_port=_env_int("SMTP_PORT", cls.smtp_port),
            smtp_user=_env("SMTP_USER", ""),
            smtp_password=_env("SMTP_PASSWORD", ""),
            smtp_starttls=_env_bool("SMTP_STARTTLS", cls.smtp_starttls),
            smtp_tls=_env_bool("SMTP_TLS", cls.smtp_tls),
            smtp_timeout_s=_env_float("SMTP_TIMEOUT_S", cls.smtp_timeout_s),
            smtp_sender=_env("SMTP_FROM", cls.smtp_sender),
            candidate_token_keys=_env("HIRESTREAM_CANDIDATE_TOKEN_KEYS", ""),
            invite_rate_per_minute=_env_int(
                "HIRESTREAM_INVITE_RATE_PER_MINUTE", cls.invite_rate_per_minute
            ),
            candidate_token_expiry_days=_env_float("CANDIDATE_TOKEN_EXPIRY_DAYS", 7.0),
            llm_url=_env("HIRESTREAM_LLM_URL", ""),
            llm_model=_env("HIRESTREAM_LLM_MODEL", ""),
            llm_api_key=_env("HIRESTREAM_LLM_API_KEY", ""),
            llm_timeout_s=_env_float("HIRESTREAM_LLM_TIMEOUT_S", cls.llm_timeout_s),
            assessor_in_worker=_env_bool("HIRESTREAM_ASSESSOR_IN_WORKER", True),
            assessor_port=_env_int("HIRESTREAM_ASSESSOR_PORT", cls.assessor_port),
            callback_http_hosts=frozenset(
                h.strip()
                for h in _env("HIRESTREAM_CALLBACK_HTTP_HOSTS", "").split(",")
                if h.strip()
            ),
            webhooks_in_worker=_env_bool("HIRESTREAM_WEBHOOKS_IN_WORKER", True),
            webhooks_port=_env_int("HIRESTREAM_WEBHOOKS_PORT", cls.webhooks_port),
            webhooks_fetch_wait_ms=_env_int(
                "HIRESTREAM_WEBHOOKS_FETCH_WAIT_MS", cls.webhooks_fetch_wait_ms
            ),
            webhook_concurrency=_env_int("HIRESTREAM_WEBHOOK_CONCURRENCY", cls.webhook_concurrency),
            webhook_host_concurrency=_env_int(
                "HIRESTREAM_WEBHOOK_HOST_CONCURRENCY", cls.webhook_host_concurrency
            ),
            webhook_retry_scale=_env_float(
                "HIRESTREAM_WEBHOOK_RETRY_SCALE", cls.webhook_retry_scale
            ),
            log_level=_env("HIRESTREAM_LOG_LEVEL", cls.log_level),
            kafka_security_protocol=_env(
                "KAFKA_SECURITY_PROTOCOL", cls.kafka_security_protocol
            ).upper(),
            kafka_sasl_mechanism=_env("KAFKA_SASL_MECHANISM", "").upper(),
            kafka_sasl_username=_env("KAFKA_SASL_USERNAME", ""),
            kafka_sasl_password=_env("KAFKA_SASL_PASSWORD", ""),
            kafka_ssl_ca_file=_env_path("KAFKA_SSL_CA_FILE"),
            kafka_ssl_cert_file=_env_path("KAFKA_SSL_CERT_FILE"),
            kafka_ssl_key_file=_env_path("KAFKA_SSL_KEY_FILE"),
        )


def _check_mail(settings: Settings) -> None:
    """Refuse a mail or candidate link configuration that cannot work, naming the variables
    (never quoting a secret)."""
    if settings.smtp_starttls and settings.smtp_tls:
        raise ValueError("SMTP_STARTTLS and SMTP_TLS exclude each other (587 or 465)")
    if bool(settings.smtp_user) != bool(settings.smtp_password):
        raise ValueError("SMTP_USER and SMTP_PASSWORD go together")
    if not settings.smtp_timeout_s > 0:
        raise ValueError(f"SMTP_TIMEOUT_S must be positive, got {settings.smtp_timeout_s}")
    if settings.invite_rate_per_minute < 1:
        raise ValueError(
            "HIRESTREAM_INVITE_RATE_PER_MINUTE must be at least 1, "
            f"got {settings.invite_rate_per_minute}"
        )
    try:
        settings.token_keys()
    except ValueError as exc:
        raise ValueError(f"HIRESTREAM_CANDIDATE_TOKEN_KEYS: {exc}") from None


def _check_webhooks(settings: Settings) -> None:
    """Refuse webhook delivery settings that cannot work, naming the variables."""
    if settings.webhook_concurrency < 1:
        raise ValueError(
            f"HIRESTREAM_WEBHOOK_CONCURRENCY must be at least 1, got {settings.webhook_concurrency}"
        )
    if settings.webhook_host_concurrency < 1:
        raise ValueError(
            "HIRESTREAM_WEBHOOK_HOST_CONCURRENCY must be at least 1, "
            f"got {settings.webhook_host_concurrency}"
        )
    if not settings.webhook_retry_scale > 0:
        raise ValueError(
            f"HIRESTREAM_WEBHOOK_RETRY_SCALE must be positive, got {settings.webhook_retry_scale}"
        )


def _check_kafka_security(settings: Settings) -> None:
    """Refuse a Kafka security configuration that cannot work, naming the variables."""
    protocol = settings.kafka_security_protocol
    if protocol not in KAFKA_SECURITY_PROTOCOLS:
        raise ValueError(
            f"KAFKA_SECURITY_PROTOCOL must be one of {', '.join(KAFKA_SECURITY_PROTOCOLS)}, "
            f"got {protocol!r}"
        )
    sasl = {
        "KAFKA_SASL_MECHANISM": settings.kafka_sasl_mechanism,
        "KAFKA_SASL_USERNAME": settings.kafka_sasl_username,
        "KAFKA_SASL_PASSWORD": settings.kafka_sasl_password,
    }
    if protocol in KAFKA_SASL_PROTOCOLS:
        missing = [name for name, value in sasl.items() if not value]
        if missing:
            raise ValueError(f"KAFKA_SECURITY_PROTOCOL={protocol} needs {', '.join(missing)}")
        if settings.kafka_sasl_mechanism not in KAFKA_SASL_MECHANISMS:
            raise ValueError(
                f"KAFKA_SASL_MECHANISM must be one of {', '.join(KAFKA_SASL_MECHANISMS)}, "
                f"got {settings.kafka_sasl_mechanism!r}"
            )
    else:
        stray = [name for name, value in sasl.items() if value]
        if stray:
            raise ValueError(
                f"{', '.join(stray)} set, but KAFKA_SECURITY_PROTOCOL={protocol} uses no SASL "
                "(use SASL_PLAINTEXT or SASL_SSL)"
            )
    files = {
        "KAFKA_SSL_CA_FILE": settings.kafka_ssl_ca_file,
        "KAFKA_SSL_CERT_FILE": settings.kafka_ssl_cert_file,
        "KAFKA_SSL_KEY_FILE": settings.kafka_ssl_key_file,
    }
    if protocol not in KAFKA_TLS_PROTOCOLS:
        stray = [name for name, value in files.items() if value is not None]
        if stray:
            raise ValueError(
                f"{', '.join(stray)} set, but KAFKA_SECURITY_PROTOCOL={protocol} uses no TLS "
                "(use SSL or SASL_SSL)"
            )
        return
    if settings.kafka_ssl_key_file is not None and settings.kafka_ssl_cert_file is None:
        raise ValueError("KAFKA_SSL_KEY_FILE is set without KAFKA_SSL_CERT_FILE")
    for name, path in files.items():
        if path is not None and not path.is_file():
            raise ValueError(f"{name}={path}: no such file")
