"""Every route of the API, in one place (docs/api.md; the reference is ``web/openapi.json``)."""

from __future__ import annotations

import functools

from aiohttp import web

from hirestream.web.candidate_page.serve import page_routes
from hirestream.web.views import (
    apikeys,
    candidates,
    curation,
    health,
    integration,
    interviews,
    metrics,
    openapi,
    resume,
    sessions,
    tenant,
    webhooks,
)


def add_routes(app: web.Application, prefix: str) -> None:
    r = app.router
    r.add_get(f"{prefix}/health/live", health.live)
    r.add_get(f"{prefix}/health/ready", health.ready)
    r.add_get(f"{prefix}/metrics", metrics.metrics)
    r.add_get(f"{prefix}/openapi.json", openapi.openapi_document)
    r.add_get(f"{prefix}/schemas/{{name}}.json", openapi.kafka_schema)
    r.add_post(f"{prefix}/interviews/parse-resume", resume.parse_resume)
    r.add_get(f"{prefix}/interviews/counts", interviews.interview_counts)
    r.add_post(f"{prefix}/interviews", interviews.create_interview)
    r.add_get(f"{prefix}/interviews", interviews.list_interviews)
    r.add_get(f"{prefix}/interviews/{{id}}", interviews.get_interview)
    r.add_put(f"{prefix}/interviews/{{id}}", interviews.update_interview)
    r.add_delete(f"{prefix}/interviews/{{id}}", interviews.delete_interview)
    r.add_get(f"{prefix}/interviews/{{id}}/plan", interviews.get_plan)
    r.add_post(f"{prefix}/interviews/{{id}}/assess", interviews.assess_interview)
    r.add_post(f"{prefix}/interviews/{{id}}/override", curation.apply_override)
    r.add_get(f"{prefix}/interviews/{{id}}/overrides", curation.list_overrides)
    r.add_post(f"{prefix}/interviews/{{id}}/invite", candidates.invite)
    r.add_post(f"{prefix}/interviews/{{id}}/conduct", candidates.conduct)
    r.add_get(f"{prefix}/interviews/{{id}}/transcript", candidates.transcript)
    r.add_post(
        f"{prefix}/a2a/interview/{{id}}/retrigger-assessment", interviews.retrigger_assessment
    )
    r.add_get(f"{prefix}/candidate-access/{{token}}", candidates.access)
    r.add_post(f"{prefix}/candidate-access/{{token}}/start", candidates.start)
    r.add_get(f"{prefix}/sessions/{{sessionId}}/ws", sessions.session_socket)
    r.add_post(f"{prefix}/sessions/{{sessionId}}/end", candidates.end_session)
    r.add_get(f"{prefix}/taxonomy/unknown", curation.unknown_taxonomy_terms)
    r.add_get(f"{prefix}/tenant/settings", tenant.get_settings)
    r.add_put(f"{prefix}/tenant/settings", tenant.put_settings)
    run = f"{prefix}/integration/interviews/{{runId}}"
    r.add_post(f"{prefix}/integration/interviews", integration.create)
    r.add_get(run, integration.get)
    r.add_delete(run, integration.cancel)
    r.add_patch(f"{run}/info", integration.supply_info)
    r.add_post(f"{run}/plan/approve", integration.approve_plan)
    r.add_post(f"{run}/plan/reject", integration.reject_plan)
    r.add_patch(f"{run}/plan/revise", integration.revise_plan)
    r.add_post(f"{run}/assessment/approve", integration.approve_assessment)
    r.add_post(f"{run}/assessment/reject", integration.reject_assessment)
    r.add_delete(f"{run}/candidate-data", integration.purge_candidate_data)
    r.add_post(f"{prefix}/api-keys", apikeys.create_api_key)
    r.add_get(f"{prefix}/api-keys", apikeys.list_api_keys)
    r.add_delete(f"{prefix}/api-keys/{{id}}", apikeys.revoke_api_key)
    endpoint = f"{prefix}/webhook-endpoints/{{id}}"
    r.add_post(f"{prefix}/webhook-endpoints", webhooks.create_endpoint)
    r.add_get(f"{prefix}/webhook-endpoints", webhooks.list_endpoints)
    r.add_get(endpoint, webhooks.get_endpoint)
    r.add_delete(endpoint, webhooks.delete_endpoint)
    r.add_post(f"{endpoint}/rotate-secret", webhooks.rotate_secret)
    r.add_post(f"{endpoint}/test", webhooks.test_endpoint)
    r.add_post(f"{prefix}/tenant/callback-secret", webhooks.callback_secret)
    r.add_get(f"{prefix}/webhook-deliveries", webhooks.list_deliveries)
    r.add_post(f"{prefix}/webhook-deliveries/{{id}}/replay", webhooks.replay_delivery)
    # The candidate page lives outside the API prefix: <APP_URL>/interview/join/<token>.
    r.add_routes(page_routes(prefix, functools.partial(candidates.link_is_valid, app)))
