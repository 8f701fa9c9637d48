"""Personal fields of a content payload, sealed before anything is published or stored.

The web layer seals them before it publishes a command (so the command topic never carries
them in plain text); the interview agent seals the plain ones an upstream producer sent before
it decides (so no table or event ever carries them). Both use ``sealed_payload``, which also
makes the keyed-hash search tokens of a sealed name or email (``hirestream.search_tokens``)
while they are readable, so the interview list can search them without opening them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hirestream.agents.enrich import claimed_and_evidenced
from hirestream.privacy import seal_fields
from hirestream.search_tokens import search_tokens
from hirestream.store.datakeys import DataKeys
from hirestream.topics.vocabulary import PERSONAL_FIELDS, SEARCHED_PERSONAL_FIELDS


async def sealed_payload(
    keys: DataKeys,
    tenant_id: str,
    interview_id: str,
    payload: Mapping[str, Any],
    clean: Mapping[str, Any],
) -> dict[str, Any]:
    """``payload`` with its personal fields replaced: ``sealed`` (their ``clean`` values
    sealed under the interview's data key, made here if it has none), ``searchTokens`` (those
    of a sealed name and email, under the tenant's search key), ``sealedCleared`` (those sent
    as null) and ``resumeSkills`` (what a new résumé claims and evidences, worked out while it
    is readable)."""
    sent = [k for k in PERSONAL_FIELDS if k in payload]
    out = {k: v for k, v in payload.items() if k not in PERSONAL_FIELDS}
    if not sent:
        return out
    values = {k: clean[k] for k in sent if clean.get(k) is not None}
    cleared = [k for k in sent if clean.get(k) is None]
    if values:
        data_key = await keys.create(tenant_id, interview_id)
        out["sealed"] = {
            **payload.get("sealed", {}),
            **seal_fields(data_key, tenant_id, interview_id, values),
        }
        if any(k in values for k in SEARCHED_PERSONAL_FIELDS):
            tokens = search_tokens(await keys.search_key(tenant_id), values)
            kept = {k: v for k, v in payload.get("searchTokens", {}).items() if k not in values}
            if kept or tokens:
                out["searchTokens"] = {**kept, **tokens}
            else:
                out.pop("searchTokens", None)
    if cleared:
        out["sealedCleared"] = [*payload.get("sealedCleared", []), *cleared]
    if clean.get("candidateResume"):
        out["resumeSkills"] = claimed_and_evidenced(
            clean.get("skills") or [], clean["candidateResume"]
        )
    return out
