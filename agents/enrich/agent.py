"""The enrichment agent: a thin Faust adapter around ``findings``.

Consumes ``interview.created`` and ``interview.updated`` (keyed by tenant, co-partitioned with
the commands and the tables), keeps the tenant's enricher state in the ``enrichment`` table,
and sends what it resolved back as an ``interview.enrich`` command. The create response never
waits for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import faust

from hirestream.agents.enrich.findings import find, next_state, seen
from hirestream.agents.events import CommandSender
from hirestream.tables.keys import tenant_key
from hirestream.tables.limits import fits
from hirestream.topics import codec

log = logging.getLogger(__name__)


@dataclass
class Enricher:
    table: Any
    commands_topic: Any

    async def handle(self, topic: str, offset: int, key: bytes | None, raw: bytes | None) -> None:
        try:
            event = codec.loads(raw)
            tenant = event["tenantId"]
            record = event["record"]
        except (codec.MalformedMessage, KeyError, TypeError):
            log.warning("event=enrich.skipped topic=%s offset=%s reason=malformed", topic, offset)
            return
        state = self.table.get(tenant_key(tenant))
        if state is not None and seen(state, topic, offset):
            return
        findings = find(record)
        new_state = next_state(state, topic=topic, offset=offset, event=event, findings=findings)
        if fits(new_state):
            self.table[tenant_key(tenant)] = new_state
        else:  # bounded by construction (findings.py); never let one tenant stop the worker
            log.error("event=enrich.state_too_large tenant=%s offset=%s", tenant, offset)
        if findings.resolved_anything:
            await CommandSender(self.commands_topic, "enricher").send(
                event, "interview.enrich", findings.command_payload()
            )
        log.info(
            "event=enrich.done tenant=%s interview=%s resolved=%d unresolved=%d",
            tenant,
            record["id"],
            len(findings.skills) + (findings.title is not None),
            len(findings.unresolved),
        )


def install(app: faust.App, source: Any, enricher: Enricher) -> Any:
    async def enrich(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            try:
                await enricher.handle(message.topic, message.offset, event.key, event.value)
            except Exception:  # never stop the agent; the event is logged and skipped
                log.exception(
                    "event=enrich.failed topic=%s offset=%s", message.topic, message.offset
                )

    return app.agent(source, name="interview-enricher", concurrency=1)(enrich)
