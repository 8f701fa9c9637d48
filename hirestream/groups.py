"""The consumer groups of the services that read events beside the Faust agents (the assessor,
the webhook recorder): plain aiokafka groups, at least once - offsets committed by the service
after its work is done, a new group starting from the earliest event Kafka still holds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer


def group_consumer(
    bootstrap_servers: str,
    topics: Sequence[str],
    group_id: str,
    kafka_options: Mapping[str, Any],
) -> AIOKafkaConsumer:
    """A consumer of ``topics`` in ``group_id`` that commits only when told to."""
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **kafka_options,
    )
