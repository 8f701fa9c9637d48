"""Which partition a tenant lives on. Pure.

Every command and event topic is keyed by the tenant id and partitioned like Kafka's Java client
and aiokafka do by default: murmur2 of the key bytes. librdkafka-based clients (kcat,
confluent-kafka) hash with CRC32 by default; the interview agent moves a command that arrives
on another partition to this one before anything else happens to it (docs/kafka.md).
"""

from __future__ import annotations

from aiokafka.partitioner import murmur2


def partition_for(tenant_id: str, partitions: int) -> int:
    """The partition of ``tenant_id``'s commands, events and table rows."""
    hashed: int = murmur2(tenant_id.encode())
    return (hashed & 0x7FFFFFFF) % partitions
