"""Kafka TLS/SASL from the environment (``hirestream.kafka_security``): the options each protocol
and mechanism produces for aiokafka and for faust, and the combinations refused at start."""

from __future__ import annotations

import dataclasses
import datetime
import ssl
from pathlib import Path
from typing import Any, cast

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from faust.auth import SASLCredentials, SSLCredentials
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from hirestream import provision, replies, tail
from hirestream.kafka_security import aiokafka_options, faust_credentials, ssl_context
from hirestream.settings import KAFKA_SASL_MECHANISMS, Settings

KAFKA_VARIABLES = (
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
    "KAFKA_SSL_CA_FILE",
    "KAFKA_SSL_CERT_FILE",
    "KAFKA_SSL_KEY_FILE",
)


# --- certificates ---------------------------------------------------------------------------


def _pem_key(key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: str, issuer_key: Any, ca: bool
) -> bytes:
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


@dataclasses.dataclass(frozen=True)
class Pki:
    ca: Path  # the CA certificate (KAFKA_SSL_CA_FILE)
    cert: Path  # a client certificate signed by it
    key: Path  # its key
    combined: Path  # certificate and key in one file
    encrypted_key: Path  # the key, encrypted
    other_key: Path  # a key that does not belong to the certificate
    garbage: Path  # not PEM at all


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    client_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Test Kafka CA", ca_key, "Test Kafka CA", ca_key, ca=True)
    cert = _certificate("hirestream", client_key, "Test Kafka CA", ca_key, ca=False)
    files = {
        "ca": ca,
        "cert": cert,
        "key": _pem_key(client_key),
        "combined": cert + _pem_key(client_key),
        "encrypted_key": _pem_key(client_key, b"secret"),
        "other_key": _pem_key(ec.generate_private_key(ec.SECP256R1())),
        "garbage": b"this is not a certificate\n",
    }
    for name, data in files.items():
        (root / f"{name}.pem").write_bytes(data)
    return Pki(**{name: root / f"{name}.pem" for name in files})


#: A certificate's "subject" as ``SSLContext.get_ca_certs`` gives it: relative distinguished
#: names, each a tuple of (attribute, value) pairs. The stub types every value of the
#: certificate dict as one union (str or either tuple shape), hence the cast.
_Subject = tuple[tuple[tuple[str, str], ...], ...]


def _ca_names(context: ssl.SSLContext) -> list[str]:
    return [
        dict(rdn[0] for rdn in cast(_Subject, ca["subject"]))["commonName"]
        for ca in context.get_ca_certs()
    ]


def _sasl(protocol: str, mechanism: str = "SCRAM-SHA-512", **kwargs: Any) -> Settings:
    return Settings(
        kafka_security_protocol=protocol,
        kafka_sasl_mechanism=mechanism,
        kafka_sasl_username="hirestream",
        kafka_sasl_password="s3cret",
        **kwargs,
    )


# --- PLAINTEXT ------------------------------------------------------------------------------


def test_plaintext_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in KAFKA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    assert settings.kafka_security_protocol == "PLAINTEXT"
    assert aiokafka_options(settings) == {}
    assert faust_credentials(settings) is None
    assert ssl_context(settings) is None


# --- SSL ------------------------------------------------------------------------------------


def test_ssl_verifies_the_broker_against_the_ca_file(pki: Pki) -> None:
    settings = Settings(kafka_security_protocol="SSL", kafka_ssl_ca_file=pki.ca)
    options = aiokafka_options(settings)
    assert set(options) == {"security_protocol", "ssl_context"}
    assert options["security_protocol"] == "SSL"
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert _ca_names(context) == ["Test Kafka CA"]

    credentials = faust_credentials(settings)
    assert isinstance(credentials, SSLCredentials)
    assert credentials.protocol.value == "SSL"
    assert _ca_names(credentials.context) == ["Test Kafka CA"]


def test_ssl_without_a_ca_file_uses_the_system_cas() -> None:
    settings = Settings(kafka_security_protocol="SSL")
    context = aiokafka_options(settings)["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


@pytest.mark.parametrize("key", ["key", None])
def test_mutual_tls_loads_the_client_certificate(pki: Pki, key: str | None) -> None:
    settings = Settings(
        kafka_security_protocol="SSL",
        kafka_ssl_ca_file=pki.ca,
        kafka_ssl_cert_file=pki.cert if key else pki.combined,
        kafka_ssl_key_file=pki.key if key else None,
    )
    assert isinstance(aiokafka_options(settings)["ssl_context"], ssl.SSLContext)
    assert isinstance(faust_credentials(settings), SSLCredentials)


@pytest.mark.parametrize(
    ("ca", "cert", "key", "message"),
    [
        ("garbage", None, None, "KAFKA_SSL_CA_FILE="),
        ("ca", "cert", "other_key", "KAFKA_SSL_KEY_FILE="),
        ("ca", "cert", "garbage", "KAFKA_SSL_KEY_FILE="),
        ("ca", "cert", None, "KAFKA_SSL_CERT_FILE="),  # no key anywhere
        ("ca", "cert", "encrypted_key", "encrypted"),  # refused, never a password prompt
    ],
)
def test_unusable_tls_files_are_a_clear_error(
    pki: Pki, ca: str, cert: str | None, key: str | None, message: str
) -> None:
    def file(name: str | None) -> Path | None:
        return getattr(pki, name) if name else None

    settings = Settings(
        kafka_security_protocol="SSL",
        kafka_ssl_ca_file=file(ca),
        kafka_ssl_cert_file=file(cert),
        kafka_ssl_key_file=file(key),
    )
    with pytest.raises(ValueError, match="cannot load the Kafka TLS files") as raised:
        aiokafka_options(settings)
    assert message in str(raised.value)
    with pytest.raises(ValueError, match="cannot load the Kafka TLS files"):
        faust_credentials(settings)


# --- SASL -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mechanism", KAFKA_SASL_MECHANISMS)
def test_sasl_plaintext(mechanism: str) -> None:
    settings = _sasl("SASL_PLAINTEXT", mechanism)
    assert aiokafka_options(settings) == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": mechanism,
        "sasl_plain_username": "hirestream",
        "sasl_plain_password": "s3cret",
    }
    credentials = faust_credentials(settings)
    assert isinstance(credentials, SASLCredentials)
    assert credentials.protocol.value == "SASL_PLAINTEXT"
    assert credentials.mechanism.value == mechanism  # SCRAM-SHA-256 is SCRAM_SHA_256
    assert (credentials.username, credentials.password) == ("hirestream", "s3cret")
    assert credentials.ssl_context is None


@pytest.mark.parametrize("mechanism", KAFKA_SASL_MECHANISMS)
def test_sasl_ssl(pki: Pki, mechanism: str) -> None:
    settings = _sasl("SASL_SSL", mechanism, kafka_ssl_ca_file=pki.ca)
    options = aiokafka_options(settings)
    context = options.pop("ssl_context")
    assert _ca_names(context) == ["Test Kafka CA"]
    assert options == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": mechanism,
        "sasl_plain_username": "hirestream",
        "sasl_plain_password": "s3cret",
    }
    credentials = faust_credentials(settings)
    assert isinstance(credentials, SASLCredentials)
    assert credentials.protocol.value == "SASL_SSL"
    assert credentials.mechanism.value == mechanism
    assert credentials.ssl_context is not None
    assert _ca_names(credentials.ssl_context) == ["Test Kafka CA"]


def _comparable(options: dict[str, Any]) -> dict[str, Any]:
    return {
        key: type(value) if key == "ssl_context" else value
        for key, value in options.items()
        if value is not None
    }


@pytest.mark.parametrize(
    "settings",
    [
        Settings(),
        Settings(kafka_security_protocol="SSL"),
        *(_sasl("SASL_PLAINTEXT", m) for m in KAFKA_SASL_MECHANISMS),
        *(_sasl("SASL_SSL", m) for m in KAFKA_SASL_MECHANISMS),
    ],
    ids=lambda s: f"{s.kafka_security_protocol}-{s.kafka_sasl_mechanism or 'none'}",
)
def test_faust_connects_like_the_plain_clients(settings: Settings) -> None:
    """What faust makes of the credentials (its own translation for aiokafka) is what the reply
    consumer and the admin client get."""
    through_faust = credentials_to_aiokafka_auth(faust_credentials(settings))
    expected = {"security_protocol": "PLAINTEXT", **aiokafka_options(settings)}
    assert _comparable(dict(through_faust)) == _comparable(expected)


# --- from the environment -------------------------------------------------------------------


def test_from_env_reads_every_variable(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "KAFKA_SASL_MECHANISM": "scram-sha-256",
        "KAFKA_SASL_USERNAME": "hirestream",
        "KAFKA_SASL_PASSWORD": "s3cret",
        "KAFKA_SSL_CA_FILE": str(pki.ca),
        "KAFKA_SSL_CERT_FILE": str(pki.cert),
        "KAFKA_SSL_KEY_FILE": str(pki.key),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    assert settings.kafka_security_protocol == "SASL_SSL"
    assert settings.kafka_sasl_mechanism == "SCRAM-SHA-256"
    assert (settings.kafka_sasl_username, settings.kafka_sasl_password) == ("hirestream", "s3cret")
    assert (settings.kafka_ssl_ca_file, settings.kafka_ssl_cert_file) == (pki.ca, pki.cert)
    assert settings.kafka_ssl_key_file == pki.key
    assert "s3cret" not in repr(settings)
    assert aiokafka_options(settings)["sasl_mechanism"] == "SCRAM-SHA-256"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"KAFKA_SECURITY_PROTOCOL": "TLS"}, "KAFKA_SECURITY_PROTOCOL must be one of"),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"},
            "SASL_SSL needs KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "PLAIN"},
            "needs KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD",
        ),
        (
            {
                "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                "KAFKA_SASL_MECHANISM": "PLAIN",
                "KAFKA_SASL_USERNAME": "hirestream",
            },
            "needs KAFKA_SASL_PASSWORD",
        ),
        (
            {
                "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                "KAFKA_SASL_MECHANISM": "GSSAPI",
                "KAFKA_SASL_USERNAME": "hirestream",
                "KAFKA_SASL_PASSWORD": "s3cret",
            },
            "KAFKA_SASL_MECHANISM must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512",
        ),
        (
            {"KAFKA_SASL_USERNAME": "hirestream", "KAFKA_SASL_PASSWORD": "s3cret"},
            "KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SASL_MECHANISM": "PLAIN"},
            "uses no SASL",
        ),
        ({"KAFKA_SSL_CA_FILE": "{ca}"}, "KAFKA_SSL_CA_FILE set, but KAFKA_SECURITY_PROTOCOL"),
        (
            {
                "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                "KAFKA_SASL_MECHANISM": "PLAIN",
                "KAFKA_SASL_USERNAME": "hirestream",
                "KAFKA_SASL_PASSWORD": "s3cret",
                "KAFKA_SSL_CA_FILE": "{ca}",
            },
            "uses no TLS",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CA_FILE": "{missing}"},
            "KAFKA_SSL_CA_FILE=.*missing.pem: no such file",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CERT_FILE": "{missing}"},
            "KAFKA_SSL_CERT_FILE=.*: no such file",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_KEY_FILE": "{key}"},
            "KAFKA_SSL_KEY_FILE is set without KAFKA_SSL_CERT_FILE",
        ),
    ],
)
def test_inconsistent_settings_are_refused_at_start(
    pki: Pki, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], message: str
) -> None:
    for name in KAFKA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    paths = {"ca": pki.ca, "key": pki.key, "missing": pki.ca.parent / "missing.pem"}
    for name, value in environ.items():
        monkeypatch.setenv(name, value.format(**paths))
    with pytest.raises(ValueError, match=message):
        Settings.from_env()


def test_a_mechanism_faust_does_not_know_is_named() -> None:
    settings = _sasl("SASL_PLAINTEXT")
    object.__setattr__(settings, "kafka_sasl_mechanism", "SCRAM-SHA-1")  # past the check
    with pytest.raises(ValueError, match="faust cannot express KAFKA_SASL_MECHANISM='SCRAM-SHA-1'"):
        faust_credentials(settings)


# --- wiring ---------------------------------------------------------------------------------


class _Captured(Exception):
    def __init__(self, kwargs: dict[str, Any]) -> None:
        super().__init__("captured")
        self.kwargs = kwargs


def _capturing_client(*args: Any, **kwargs: Any) -> Any:
    raise _Captured(kwargs)


async def test_the_admin_client_and_the_reply_consumer_get_the_options(
    pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _sasl("SASL_SSL", "SCRAM-SHA-256", kafka_ssl_ca_file=pki.ca)
    monkeypatch.setattr(provision, "AIOKafkaAdminClient", _capturing_client)
    with pytest.raises(_Captured) as admin:
        await provision.provision_topics(settings)
    monkeypatch.setattr(tail, "AIOKafkaConsumer", _capturing_client)
    waiter = replies.ReplyWaiter(
        settings.kafka_bootstrap_servers, "replies", kafka_options=aiokafka_options(settings)
    )
    with pytest.raises(_Captured) as consumer:
        await waiter.on_start()
    for captured in (admin.value.kwargs, consumer.value.kwargs):
        assert captured["security_protocol"] == "SASL_SSL"
        assert captured["sasl_mechanism"] == "SCRAM-SHA-256"
        assert captured["sasl_plain_username"] == "hirestream"
        assert captured["sasl_plain_password"] == "s3cret"
        assert isinstance(captured["ssl_context"], ssl.SSLContext)
