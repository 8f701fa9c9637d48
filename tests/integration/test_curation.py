"""Background enrichment, unknown terms and recruiter overrides over real HTTP and Kafka."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.conftest import SEED_CREATE, auth
from tests.support.workers import Worker

pytestmark = pytest.mark.integration


async def get(http: aiohttp.ClientSession, url: str, tenant: str) -> Any:
    async with http.get(url, headers=auth(tenant)) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def test_enricher_resolves_typos_in_the_background_and_records_the_rest(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    body = {**SEED_CREATE, "skills": ["React", "Kubernets", "Frobnicator Pro"]}
    async with http.post(f"{worker.api}/interviews", json=body, headers=auth(tenant)) as r:
        assert r.status == 201
        made = await r.json()
    assert made["skills"] == ["React", "Kubernets", "Frobnicator Pro"]  # create never waits
    url = f"{worker.api}/interviews/{made['id']}"
    for _ in range(50):
        record = await get(http, url, tenant)
        if "Kubernetes" in record["skills"]:
            break
        await asyncio.sleep(0.2)
    assert record["skills"] == ["React", "Kubernetes", "Frobnicator Pro"]
    assert record["diffReport"]["skills[1]"]["after"] == "Kubernetes"
    assert record["diffReport"]["skills[1]"]["via"] == "fuzzy"
    assert record["rawPayload"]["skills"] == ["React", "Kubernets", "Frobnicator Pro"]
    unknown = await get(http, f"{worker.api}/taxonomy/unknown", tenant)
    assert unknown["taxonomyVersion"]
    terms = {(t["kind"], t["term"]): t for t in unknown["data"]}
    assert terms[("skill", "Frobnicator Pro")]["count"] == 1
    assert ("skill", "Kubernets") not in terms
    other = await get(http, f"{worker.api}/taxonomy/unknown", f"{tenant}-other")
    assert other["data"] == []


async def test_override_patches_round_trip(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    body = {**SEED_CREATE, "position": "Sr Engineer", "skills": ["ReactJS", "TS", "Node.js"]}
    async with http.post(f"{worker.api}/interviews", json=body, headers=auth(tenant)) as r:
        made = await r.json()
    url = f"{worker.api}/interviews/{made['id']}"
    async with http.post(
        f"{url}/override", headers=auth(tenant), json={"roleFamily": "wizardry"}
    ) as r:
        assert r.status == 400
        message = " ".join((await r.json())["message"])
        assert "roleFamily must be one of" in message and "frontend_engineering" in message
    async with http.post(f"{url}/override", headers=auth(tenant), json={}) as r:
        assert r.status == 400
    async with http.post(
        f"{url}/override", headers=auth(tenant, "VIEWER"), json={"addSkills": ["k8s"]}
    ) as r:
        assert r.status == 403
    patch_body = {
        "addSkills": ["k8s", "terraform"],
        "removeSkills": ["reactjs"],
        "roleFamily": "devops_sre",
        "reason": "Platform role after all",
    }
    async with http.post(f"{url}/override", headers=auth(tenant), json=patch_body) as r:
        assert r.status == 201, await r.text()
        patch = await r.json()
    assert patch["addSkills"] == ["Kubernetes", "Terraform"]
    assert patch["removeSkills"] == ["React"]
    assert patch["actor"] == "user:tester" and patch["reason"] == "Platform role after all"
    assert patch["before"]["skills"] == ["React", "TypeScript", "Node.js"]
    assert patch["before"]["roleFamily"] == "frontend_engineering"
    assert patch["after"]["skills"] == ["TypeScript", "Node.js", "Kubernetes", "Terraform"]
    assert patch["after"]["roleFamily"] == "devops_sre"
    record = await get(http, url, tenant)
    assert record["skills"] == patch["after"]["skills"]
    assert record["canonicalPayload"]["roleFamily"] == "devops_sre"
    assert record["version"] >= 2
    # a later content edit keeps the recruiter's patch on top
    async with http.put(url, headers=auth(tenant), json={"skills": ["ReactJS", "Go"]}) as r:
        assert r.status == 200
        edited = await r.json()
    assert edited["skills"] == ["Go", "Kubernetes", "Terraform"]
    assert edited["canonicalPayload"]["roleFamily"] == "devops_sre"
    patches = await get(http, f"{url}/overrides", tenant)
    assert [p["id"] for p in patches] == [patch["id"]]
    async with http.get(f"{url}/overrides", headers=auth(f"{tenant}-other")) as r:
        assert r.status == 404
    async with http.post(
        f"{url}/override", headers=auth(f"{tenant}-other"), json={"addSkills": ["Go"]}
    ) as r:
        assert r.status == 404
