"""Dead letters: a command that is not applied is copied, as it came, to
``interview-commands.dead-letter`` with headers that say why and where it came from. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """Where a message stood when it was read."""

    topic: str
    partition: int
    offset: int


def dead_letter_headers(
    reason: str,
    source: Source,
    *,
    dead_lettered_at: str,
    command_id: str | None = None,
    tenant_id: str | None = None,
) -> list[tuple[str, bytes]]:
    """The headers of a dead letter (``commandId`` and ``tenantId`` when they were readable)."""
    headers = [
        ("reason", reason.encode()),
        ("source.topic", source.topic.encode()),
        ("source.partition", str(source.partition).encode()),
        ("source.offset", str(source.offset).encode()),
        ("deadLetteredAt", dead_lettered_at.encode()),
    ]
    if command_id is not None:
        headers.append(("commandId", command_id.encode()))
    if tenant_id is not None:
        headers.append(("tenantId", tenant_id.encode()))
    return headers
