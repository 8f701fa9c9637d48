"""Shared fixtures. Integration tests run against the real stack (Kafka, PostgreSQL, SMTP):
``ensure_stack`` starts what is missing, and a missing or broken service FAILS the tests —
it never skips them."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from hirestream.web.credentials import issue_jwt
from tests.support.workers import TEST_JWT_SECRET, Worker, free_port, worker_env


@pytest.fixture(scope="session")
def stack_env() -> Iterator[dict[str, str]]:
    """The stack's addresses. With no broker configured and a Docker daemon answering, Kafka
    runs in a testcontainers container; otherwise from the local jars (``hirestream.stack``)."""
    from hirestream.stack import docker_available, ensure_stack, start_kafka_container

    container = None
    if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and docker_available():
        container = start_kafka_container()
        os.environ["KAFKA_BOOTSTRAP_SERVERS"] = container.bootstrap_servers
    try:
        yield ensure_stack().environ()
    finally:
        if container is not None:
            del os.environ["KAFKA_BOOTSTRAP_SERVERS"]
            container.stop()


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workers")


#: The app ids of the workers this test session started: their topics go at the end.
STARTED_APP_IDS: set[str] = set()


@pytest.fixture(scope="session", autouse=True)
def delete_test_topics() -> Iterator[None]:
    """Delete the topics of this session's workers when it ends, so that a developer's
    broker does not pile up thousands of partitions run after run (CI's broker is new)."""
    yield
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
    if STARTED_APP_IDS and bootstrap:
        asyncio.run(delete_topics(bootstrap, tuple(STARTED_APP_IDS)))


async def delete_topics(bootstrap: str, app_ids: tuple[str, ...]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        prefixes = tuple(f"{app_id}{sep}" for app_id in app_ids for sep in ".-")
        ours = [t for t in await admin.list_topics() if t.startswith(prefixes)]
        for start in range(0, len(ours), 100):
            await admin.delete_topics(ours[start : start + 100])
    except Exception as exc:  # cleaning up is a courtesy, never a failure
        print(f"could not delete the test topics: {exc}")
    finally:
        await admin.close()


def start_worker(
    stack_env: dict[str, str], run_dir: Path, app_id: str, name: str, **kwargs: Any
) -> Worker:
    STARTED_APP_IDS.add(app_id)
    port = free_port()
    worker = Worker(
        name,
        port,
        worker_env(
            stack_env, app_id=app_id, name=name, port=port, data_dir=run_dir / "data", **kwargs
        ),
        run_dir / f"{app_id}-{name}.log",
    )
    worker.start()
    return worker


@pytest.fixture(scope="session")
async def worker(stack_env: dict[str, str], run_dir: Path) -> AsyncIterator[Worker]:
    """One worker for the whole session, on fresh topics (a unique app id)."""
    w = start_worker(stack_env, run_dir, f"hs-test-{uuid.uuid4().hex[:8]}", "w1")
    try:
        await w.wait_ready()
        yield w
    finally:
        w.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


def token(
    tenant: str, role: str | None = "ADMIN", permissions: list[str] | None = None, **kwargs: Any
) -> str:
    return issue_jwt(
        TEST_JWT_SECRET,
        subject="tester",
        tenant_id=tenant,
        role=role,
        permissions=permissions,
        **kwargs,
    )


def auth(
    tenant: str, role: str | None = "ADMIN", permissions: list[str] | None = None
) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(tenant, role, permissions)}"}


SEED_CREATE = {
    "candidateName": "Jane Smith",
    "candidateEmail": "jane@example.com",
    "position": "Senior Engineer",
    "level": "SENIOR",
    "skills": ["TypeScript", "React", "Node.js"],
    "jobDescription": "Build scalable platform services with modern tooling.",
    "scheduledAt": "2024-02-01T10:00:00.000Z",
}


@pytest.fixture
def tenant() -> Iterator[str]:
    yield f"tenant-{uuid.uuid4().hex[:10]}"
