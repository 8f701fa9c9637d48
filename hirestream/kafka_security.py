"""TLS and SASL for every Kafka client of a worker, from :class:`~hirestream.settings.Settings`.

The variables (all optional; ``docs/kafka-security.md``):

- ``KAFKA_SECURITY_PROTOCOL``: ``PLAINTEXT`` (default), ``SSL``, ``SASL_PLAINTEXT``, ``SASL_SSL``;
- ``KAFKA_SASL_MECHANISM`` (``PLAIN``, ``SCRAM-SHA-256``, ``SCRAM-SHA-512``),
  ``KAFKA_SASL_USERNAME``, ``KAFKA_SASL_PASSWORD``: all three for the ``SASL_*`` protocols;
- ``KAFKA_SSL_CA_FILE``: PEM bundle of the CAs that signed the brokers' certificates (default:
  the system's trusted CAs); ``KAFKA_SSL_CERT_FILE`` and ``KAFKA_SSL_KEY_FILE``: a client
  certificate and its key for mutual TLS. TLS variables only go with ``SSL``/``SASL_SSL``.

``Settings`` refuses inconsistent combinations when it is built (a ``ValueError`` at start);
this module turns a valid one into the two forms the clients take: keyword arguments for the
plain aiokafka clients (:func:`aiokafka_options`: the reply consumer, the provisioning admin
client) and ``broker_credentials`` for ``faust.App`` (:func:`faust_credentials`: the agents,
tables and producer). Both build the same connection, so every client of a worker
authenticates as the same principal.
"""

from __future__ import annotations

import ssl
from typing import Any

from aiokafka.helpers import create_ssl_context
from faust.auth import SASLCredentials, SSLCredentials
from faust.types.auth import CredentialsT, SASLMechanism

from hirestream.settings import KAFKA_SASL_PROTOCOLS, KAFKA_TLS_PROTOCOLS, Settings


def _no_key_password() -> str:
    # Without a password callback OpenSSL would prompt on the terminal for an encrypted key.
    raise ValueError("the private key is encrypted; give an unencrypted key (file mode 0600)")


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The client TLS context (hostname checked, broker certificate verified against
    ``KAFKA_SSL_CA_FILE`` or the system CAs, the client certificate loaded for mutual TLS), or
    None when the protocol uses no TLS. A file that is not valid PEM is a ``ValueError``."""
    if settings.kafka_security_protocol not in KAFKA_TLS_PROTOCOLS:
        return None
    try:
        context: ssl.SSLContext = create_ssl_context(
            cafile=settings.kafka_ssl_ca_file,
            certfile=settings.kafka_ssl_cert_file,
            keyfile=settings.kafka_ssl_key_file,
            password=_no_key_password,
        )
    except (ssl.SSLError, OSError, ValueError) as exc:
        files = ", ".join(
            f"{name}={path}"
            for name, path in (
                ("KAFKA_SSL_CA_FILE", settings.kafka_ssl_ca_file),
                ("KAFKA_SSL_CERT_FILE", settings.kafka_ssl_cert_file),
                ("KAFKA_SSL_KEY_FILE", settings.kafka_ssl_key_file),
            )
            if path is not None
        )
        raise ValueError(f"cannot load the Kafka TLS files ({files or 'none'}): {exc}") from exc
    return context


def aiokafka_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``AIOKafkaConsumer``, ``AIOKafkaProducer`` and
    ``AIOKafkaAdminClient``; empty for ``PLAINTEXT`` (aiokafka's default)."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {"security_protocol": protocol}
    if protocol in KAFKA_TLS_PROTOCOLS:
        options["ssl_context"] = ssl_context(settings)
    if protocol in KAFKA_SASL_PROTOCOLS:
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = settings.kafka_sasl_password
    return options


def faust_credentials(settings: Settings) -> CredentialsT | None:
    """``broker_credentials`` for ``faust.App``: None for ``PLAINTEXT``, ``SSLCredentials`` for
    ``SSL``, ``SASLCredentials`` for ``SASL_PLAINTEXT`` and ``SASL_SSL``.

    Faust has no explicit protocol for SASL: ``SASLCredentials`` means ``SASL_SSL`` when it
    has an ``ssl_context`` and ``SASL_PLAINTEXT`` when not. Its mechanism is the enum
    ``faust.types.auth.SASLMechanism``, looked up by Kafka's name (``"SCRAM-SHA-256"`` is
    ``SASLMechanism.SCRAM_SHA_256``), and faust hands ``username``/``password`` to aiokafka as
    ``sasl_plain_username``/``sasl_plain_password`` for SCRAM as well as for PLAIN. A
    combination faust cannot express is a ``ValueError`` naming it."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = ssl_context(settings)
    credentials: CredentialsT
    if protocol == "SSL":
        assert context is not None
        credentials = SSLCredentials(context)
    elif protocol in KAFKA_SASL_PROTOCOLS:
        try:
            mechanism = SASLMechanism(settings.kafka_sasl_mechanism)
        except ValueError:
            raise ValueError(
                f"faust cannot express KAFKA_SASL_MECHANISM={settings.kafka_sasl_mechanism!r}"
            ) from None
        credentials = SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password,
            ssl_context=context,
            mechanism=mechanism,
        )
    else:
        raise ValueError(f"faust cannot express KAFKA_SECURITY_PROTOCOL={protocol!r}")
    if credentials.protocol.value != protocol:
        raise ValueError(
            f"faust cannot express KAFKA_SECURITY_PROTOCOL={protocol} with these settings "
            f"(its credentials would connect with {credentials.protocol.value})"
        )
    return credentials
