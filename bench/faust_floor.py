"""The floor for ``bench/api_bench.py``: the least a Kafka-native create costs on this stack.

The same create as the peer (``bench/peer_service.py``: hirestream's validator and JWT checks,
201 with the summary), made the way hirestream makes one, with nothing else: the web layer
publishes the command keyed by the tenant (acks=all) and waits; one Faust agent
(concurrency 1, at least once) reads it, writes the record to one table (its changelog), publishes
one event and hands the answer back in process. No sealing, no command log, no counts, no
workflow steps, no other agents, no webhooks. Faust, aiokafka, the transport, the producer
settings and the HTTP server are hirestream's own (``hirestream.streams.faust_app``,
``hirestream.web.server.WebServer``); the table is in memory.

What it shows: the distance from the peer that the chosen stack (Faust on aiokafka, one
partition per tenant) costs before hirestream does any work of its own, measured in the same run.

Run: ``python bench/faust_floor.py --port 8091 --app-id floor-x`` (Kafka from
``KAFKA_BOOTSTRAP_SERVERS``, the JWT secret from ``HIRESTREAM_JWT_SECRET``, data under
``--data-dir``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import faust
import orjson
from aiohttp import web
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from peer_service import (  # noqa: E402
    POLICY,
    PREFIX,
    PeerError,
    errors_middleware,
    health,
    json_response,
    summary,
    tenant_of,
)

from hirestream.settings import Settings  # noqa: E402
from hirestream.streams import faust_app  # noqa: E402
from hirestream.topics.clock import now_iso  # noqa: E402
from hirestream.topics.payloads import create_fields  # noqa: E402
from hirestream.web.credentials import JwtPolicy  # noqa: E402
from hirestream.web.server import WebServer  # noqa: E402

#: Where the agent hands an answer to the request waiting for it (this process only).
WAITING: web.AppKey[dict[str, asyncio.Future[dict[str, Any]]]] = web.AppKey("waiting", dict)
TOPICS: web.AppKey[Any] = web.AppKey("topics", object)
TABLE: web.AppKey[Any] = web.AppKey("table", object)
TABLE_NAME = "floor-records"


def topic_names(app_id: str) -> tuple[str, str, str]:
    """The command topic, the event topic and the table's changelog."""
    return f"{app_id}.floor-commands", f"{app_id}.floor-created", f"{app_id}-{TABLE_NAME}-changelog"


async def provision(settings: Settings, time_limit_s: float = 30.0) -> None:
    """The floor's topics, as hirestream provisions its own (the broker creates none), and
    until the broker describes every partition of them (Faust ignores a topic it cannot see
    yet, and its agent would then never be given the commands)."""
    names = topic_names(settings.app_id)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name, settings.partitions, settings.replication_factor)
            for name in names
            if name not in existing
        ]
        if wanted:
            await admin.create_topics(wanted)
        deadline = time.monotonic() + time_limit_s
        while time.monotonic() < deadline:
            described = await admin.describe_topics(list(names))
            if all(len(t.get("partitions") or []) == settings.partitions for t in described):
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the broker does not show the topics {names} after {time_limit_s} s")
    finally:
        await admin.close()


def build(settings: Settings, port: int, jwt_secret: str) -> faust.App:
    """The Faust app (hirestream's settings, memory store) with the agent and the web server."""
    app = faust_app(settings)
    command_topic, event_topic, _ = topic_names(settings.app_id)
    commands = app.topic(command_topic, key_serializer="raw", value_serializer="raw")
    created = app.topic(event_topic, key_serializer="raw", value_serializer="raw")
    table: Any = app.Table(TABLE_NAME)
    table.key_serializer = table.value_serializer = "raw"  # as tables/declare.py does
    waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}

    async def decide(stream: Any) -> None:
        async for event in stream.events():
            command = orjson.loads(event.value)
            record = {**command["fields"], "id": command["id"], "status": "pending"}
            value = orjson.dumps(record)
            table[orjson.dumps([command["tenantId"], command["id"]])] = value
            await created.send(key=event.key, value=value)
            answer = waiting.get(command["correlationId"])
            if answer is not None and not answer.done():
                answer.set_result(record)

    app.agent(commands, name="floor-agent", concurrency=1)(decide)

    web_app = web.Application(middlewares=[errors_middleware], client_max_size=1024 * 1024)
    web_app[POLICY] = JwtPolicy(jwt_secret, ("HS256",))
    web_app[WAITING] = waiting
    web_app[TOPICS] = commands
    web_app[TABLE] = table
    web_app.router.add_post(f"{PREFIX}/interviews", create_interview)
    web_app.router.add_get(f"{PREFIX}/interviews/{{id}}", get_interview)
    web_app.router.add_get("/health", health)
    app.service(WebServer(web_app, "127.0.0.1", port))  # type: ignore[arg-type]
    return app


async def create_interview(request: web.Request) -> web.Response:
    tenant = tenant_of(request, "interview:create")
    raw = await request.read()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise PeerError(400, [f"body must be valid JSON ({exc.msg})"]) from exc
    fields = create_fields(body)
    interview_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    command = {
        "tenantId": tenant,
        "id": interview_id,
        "correlationId": correlation_id,
        "fields": fields,
    }
    answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    request.app[WAITING][correlation_id] = answer
    try:
        await request.app[TOPICS].send(key=tenant.encode(), value=orjson.dumps(command))
        async with asyncio.timeout(30):
            record = await answer
    finally:
        request.app[WAITING].pop(correlation_id, None)
    now = now_iso()
    return json_response(summary(interview_id, tenant, record, record["status"], now), 201)


async def get_interview(request: web.Request) -> web.Response:
    tenant = tenant_of(request, "interview:read")
    value = request.app[TABLE].get(orjson.dumps([tenant, request.match_info["id"]]))
    if value is None:
        raise PeerError(404, "Interview not found")
    return json_response(orjson.loads(value))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--data-dir", type=Path, default=Path(".stack/bench"))
    args = parser.parse_args(argv)
    secret = os.environ.get("HIRESTREAM_JWT_SECRET", "")
    if len(secret.encode()) < 32:
        parser.error("HIRESTREAM_JWT_SECRET (at least 32 bytes) is required")
    os.environ.update(
        {
            "HIRESTREAM_APP_ID": args.app_id,
            "HIRESTREAM_STORE": "memory",
            "HIRESTREAM_DATA_DIR": str(args.data_dir),
        }
    )
    settings = Settings.from_env()
    settings.tables_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(provision(settings))
    app = build(settings, args.port, secret)
    faust.Worker(
        app, loglevel="WARNING", redirect_stdouts=False, quiet=True
    ).execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1:])
