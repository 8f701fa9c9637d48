"""A single-node Apache Kafka 4.x broker (KRaft, combined broker + controller) on 127.0.0.1.

The broker runs from the Maven Central jars: ``hirestream/stack/kafka/pom.xml`` lists
``org.apache.kafka:kafka_2.13`` and one SLF4J binding, ``mvn dependency:copy-dependencies``
copies them (from ``~/.m2``, downloading what is missing) into ``.stack/kafka/libs`` once, the
storage is formatted with ``kafka.tools.StorageTool`` (static voter: this node) and
``kafka.Kafka`` runs in the background with a small heap fit for a 2-core machine.

When ``KAFKA_BOOTSTRAP_SERVERS`` is set nothing is started and that broker is used. Where a
Docker daemon answers, :func:`start_kafka_container` runs the same Kafka version from the
``apache/kafka`` image through testcontainers instead (tests only; this module never needs it).

Files under ``.stack/kafka/``: ``libs/`` (jars), ``data/`` (log dir), ``server.properties``,
``broker.log`` (broker stdout/stderr), ``kafka.pid``, ``state.json`` (ports and cluster id).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import importlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import (  # type: ignore[import-untyped, unused-ignore]
    AIOKafkaConsumer,
    AIOKafkaProducer,
    TopicPartition,
)
from aiokafka.admin import (  # type: ignore[import-untyped, unused-ignore]
    AIOKafkaAdminClient,
    NewTopic,
)

from hirestream.stack.base import (
    LOCALHOST,
    ServiceStatus,
    StackError,
    env_port,
    free_port,
    log_event,
    pid_alive,
    port_open,
    port_open_async,
    relative,
    run_command,
    run_sync,
    running_pid,
    service_lock,
    spawn_background,
    stack_dir,
    stop_process_group,
    tail,
)

#: Keep equal to ``kafka.version`` in ``hirestream/stack/kafka/pom.xml`` (and the image tag in
#: ``docker-compose.kafka.yml``).
KAFKA_VERSION = "4.1.2"
KAFKA_IMAGE = f"apache/kafka:{KAFKA_VERSION}"
DEFAULT_PORT = 9092
PORT_ENV = "HIRESTREAM_KAFKA_PORT"
BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS"
#: Topic used by the readiness probe (created explicitly: topic auto-creation is off).
PROBE_TOPIC = "hirestream-stack-probe"
PROBE_GROUP = "hirestream-stack-probe"
READY_TIMEOUT = 90.0
FETCH_TIMEOUT = 900.0

_ASSETS = Path(__file__).resolve().parent / "kafka"
POM = _ASSETS / "pom.xml"
LOG4J2_CONFIG = _ASSETS / "log4j2.properties"
_MARKER = "kafka.Kafka"

#: JVM settings for a 2-core machine: a small heap that may grow to 1 GiB (a developer's
#: broker that has piled up ten thousand partitions needs more than 512 MiB, and the JVM exits
#: on running out), one GC thread, quick C1-only JIT.
JVM_OPTIONS = (
    "-Xms256m",
    "-Xmx1g",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)
#: The one-shot format step needs even less.
TOOL_JVM_OPTIONS = ("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")


@dataclass(frozen=True)
class KafkaPaths:
    root: Path

    @property
    def libs(self) -> Path:
        return self.root / "libs"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def log(self) -> Path:
        return self.root / "broker.log"

    @property
    def pid(self) -> Path:
        return self.root / "kafka.pid"

    @property
    def state(self) -> Path:
        return self.root / "state.json"


def kafka_paths() -> KafkaPaths:
    return KafkaPaths(stack_dir() / "kafka")


def kafka_port() -> int:
    """The broker port: ``HIRESTREAM_KAFKA_PORT`` or 9092; the controller listens on the next."""
    return env_port(PORT_ENV, DEFAULT_PORT)


def server_properties(port: int, controller_port: int, log_dir: Path) -> str:
    """``server.properties`` of the single combined broker + controller node."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        # Static quorum of one voter: this node. The storage is formatted without --standalone.
        "controller.quorum.voters": f"1@{LOCALHOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{LOCALHOST}:{port},CONTROLLER://{LOCALHOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{LOCALHOST}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(log_dir),
        "num.partitions": "1",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "num.recovery.threads.per.data.dir": "2",
        # One replica of everything; internal topics with one partition (first group join and
        # first transaction are then quick).
        "default.replication.factor": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # No 3 s wait before the first rebalance of a new consumer group.
        "group.initial.rebalance.delay.ms": "0",
        # After a SIGKILL the restarted node cannot register until its previous registration's
        # session has expired (default 9 s); broker and controller share one JVM here, so a
        # shorter session is safe and makes broker-restart tests quicker.
        "broker.heartbeat.interval.ms": "1000",
        "broker.session.timeout.ms": "4000",
        # Topics are declared explicitly (Faust declares its own with their partition counts),
        # so a topic nobody declared is an error instead of a silent 1-partition topic.
        "auto.create.topics.enable": "false",
    }
    header = "# Written by hirestream.stack.kafka at every start; edits are overwritten.\n"
    return header + "".join(f"{key}={value}\n" for key, value in settings.items())


def jvm_command(paths: KafkaPaths, options: tuple[str, ...], main: str, *args: str) -> list[str]:
    java_home = os.environ.get("JAVA_HOME", "")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java:
        raise StackError("java (17 or newer) is needed for the local Kafka broker; none found")
    return [
        java,
        *options,
        f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
        f"-Dkafka.logs.dir={paths.root / 'logs'}",
        "-cp",
        f"{paths.libs}/*",
        main,
        *args,
    ]


# --- jars ------------------------------------------------------------------------------------


async def fetch_jars(paths: KafkaPaths) -> bool:
    """Copy the broker jars into ``.stack/kafka/libs`` unless this pom's jars are already there.
    Returns whether Maven ran."""
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    marker = paths.libs / ".pom-sha256"
    if marker.is_file() and marker.read_text().strip() == digest:
        return False
    mvn = shutil.which("mvn")
    if not mvn:
        raise StackError("Maven (mvn) is needed to fetch the Kafka jars from Maven Central")
    started = time.monotonic()
    log_event("kafka.fetch", pom=relative(POM), into=relative(paths.libs))
    staging = paths.root / "libs.partial"
    shutil.rmtree(staging, ignore_errors=True)
    await run_command(
        [
            mvn,
            "-B",
            "-q",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
        ],
        time_limit=FETCH_TIMEOUT,
        what="mvn dependency:copy-dependencies",
    )
    jars = sorted(staging.glob("*.jar"))
    if not any(jar.name.startswith(f"kafka_2.13-{KAFKA_VERSION}") for jar in jars):
        raise StackError(f"Maven copied no kafka_2.13-{KAFKA_VERSION} jar into {staging}")
    (staging / ".pom-sha256").write_text(digest + "\n")
    shutil.rmtree(paths.libs, ignore_errors=True)
    staging.rename(paths.libs)
    log_event(
        "kafka.fetched", jars=len(jars), seconds=time.monotonic() - started, version=KAFKA_VERSION
    )
    return True


# --- storage ---------------------------------------------------------------------------------


def _cluster_id() -> str:
    """A random cluster id in Kafka's format (URL-safe base64 of 16 bytes, no padding)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _read_state(paths: KafkaPaths) -> dict[str, Any]:
    try:
        state: dict[str, Any] = json.loads(paths.state.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return state


async def format_storage(paths: KafkaPaths, controller_port: int) -> None:
    """Format the log dir for KRaft unless it already is, for this controller port."""
    state = _read_state(paths)
    formatted = (paths.data / "meta.properties").is_file()
    if formatted and state.get("controller_port") == controller_port:
        return
    if formatted:
        log_event("kafka.reformat", reason="controller port changed", data=relative(paths.data))
    shutil.rmtree(paths.data, ignore_errors=True)
    paths.data.mkdir(parents=True)
    cluster_id = _cluster_id()
    started = time.monotonic()
    await run_command(
        jvm_command(
            paths,
            TOOL_JVM_OPTIONS,
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            cluster_id,
            "--config",
            str(paths.properties),
        ),
        time_limit=120.0,
        cwd=paths.root,
        what="kafka-storage format",
    )
    state = {"cluster_id": cluster_id, "controller_port": controller_port}
    paths.state.write_text(json.dumps(state))
    log_event("kafka.formatted", cluster_id=cluster_id, seconds=time.monotonic() - started)


# --- readiness -------------------------------------------------------------------------------


async def probe(bootstrap: str, time_limit: float = 20.0) -> int:
    """Check a broker for real: a metadata request, then a produce/consume round trip through
    a consumer group on the probe topic. Returns the number of brokers in the cluster."""
    request_ms = int(time_limit * 1000)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=request_ms)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        brokers = len(cluster.get("brokers", []))
        if brokers == 0:
            raise StackError(f"broker at {bootstrap} reports no brokers in its metadata")
        if PROBE_TOPIC not in await admin.list_topics():
            response = await admin.create_topics([NewTopic(PROBE_TOPIC, 1, 1)])
            for _topic, code, *_ in response.topic_errors:
                if code not in (0, 36):  # 36: TOPIC_ALREADY_EXISTS (a concurrent probe)
                    raise StackError(f"creating {PROBE_TOPIC} failed with error code {code}")
    finally:
        await admin.close()

    token = uuid.uuid4().hex.encode()
    partition = TopicPartition(PROBE_TOPIC, 0)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", request_timeout_ms=request_ms
    )
    await producer.start()
    try:
        sent = await producer.send_and_wait(PROBE_TOPIC, token, partition=0)
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=PROBE_GROUP,
        enable_auto_commit=False,
        request_timeout_ms=request_ms,
    )
    await consumer.start()
    try:
        consumer.assign([partition])
        consumer.seek(partition, sent.offset)
        record = await asyncio.wait_for(consumer.getone(), time_limit)
        if record.value != token:
            raise StackError(f"probe read back {record.value!r}, expected {token!r}")
        # Committing goes through the group coordinator (creates __consumer_offsets).
        await consumer.commit({partition: sent.offset + 1})
    finally:
        await consumer.stop()
    return brokers


async def wait_until_ready(
    bootstrap: str,
    *,
    time_limit: float,
    pid: int | None = None,
    log_file: Path | None = None,
) -> float:
    """Poll until :func:`probe` succeeds or ``time_limit`` s have passed; fail early when the
    broker process ``pid`` dies. Returns the seconds waited."""
    started = time.monotonic()
    deadline = started + time_limit
    host, _, port_text = bootstrap.split(",")[0].rpartition(":")
    last_error = "port never opened"
    while True:
        if pid is not None and not pid_alive(pid):
            _fail("the broker process exited", log_file)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            _fail(f"not ready after {time_limit:.0f} s ({last_error})", log_file)
        if await port_open_async(host or LOCALHOST, int(port_text)):
            try:
                await asyncio.wait_for(probe(bootstrap, time_limit=min(20.0, remaining)), remaining)
                return time.monotonic() - started
            except Exception as exc:
                last_error = f"{type(exc).__name__}: {exc}".strip()
        await asyncio.sleep(0.5)


def _fail(reason: str, log_file: Path | None) -> None:
    log_tail = tail(log_file) if log_file is not None else "(no broker log)"
    log_event("kafka.failed", level=logging.ERROR, reason=reason)
    if log_file is not None:
        logging.getLogger("hirestream.stack").error(
            "last lines of %s:\n%s", relative(log_file), log_tail
        )
    raise StackError(f"Kafka {reason}; last lines of the broker log:\n{log_tail}")


# --- start / stop ----------------------------------------------------------------------------


async def ensure_kafka(
    *, ready_timeout: float = READY_TIMEOUT, started: dict[str, int | None] | None = None
) -> str:
    """Return a bootstrap address of a ready broker: ``KAFKA_BOOTSTRAP_SERVERS`` when set,
    else our local broker, reused when it already runs and started (fetching the jars on the
    first run) when not. When this call starts the broker, ``started["kafka"]`` is its pid."""
    external = os.environ.get(BOOTSTRAP_ENV, "")
    if external:
        log_event("kafka.external", bootstrap=external)
        return external
    paths = kafka_paths()
    port = kafka_port()
    controller_port = port + 1
    bootstrap = f"{LOCALHOST}:{port}"
    async with service_lock("kafka"):
        pid = running_pid(paths.pid, _MARKER)
        if pid is not None:
            if _read_state(paths).get("port") == port:
                seconds = await wait_until_ready(
                    bootstrap, time_limit=ready_timeout, pid=pid, log_file=paths.log
                )
                log_event("kafka.reused", bootstrap=bootstrap, pid=pid, seconds=seconds)
                return bootstrap
            log_event("kafka.restart", reason="port changed", pid=pid)
            stop_process_group(pid, name="kafka")
        for taken in (port, controller_port):
            if port_open(LOCALHOST, taken):
                raise StackError(
                    f"{LOCALHOST}:{taken} is in use by another process, not by our broker. "
                    f"Set {BOOTSTRAP_ENV} to use a broker that runs already, or "
                    f"{PORT_ENV} to start ours on another port (the controller takes port + 1)."
                )
        pid = await _start(paths, port, controller_port, ready_timeout)
        if started is not None:
            started["kafka"] = pid
        return bootstrap


async def _start(paths: KafkaPaths, port: int, controller_port: int, ready_timeout: float) -> int:
    """Start the broker, wait until it is ready and return its pid."""
    paths.root.mkdir(parents=True, exist_ok=True)
    await fetch_jars(paths)
    started = time.monotonic()
    paths.properties.write_text(server_properties(port, controller_port, paths.data))
    await format_storage(paths, controller_port)
    state = _read_state(paths)
    state["port"] = port
    paths.state.write_text(json.dumps(state))
    paths.log.write_bytes(b"")
    process = spawn_background(
        jvm_command(paths, JVM_OPTIONS, "kafka.Kafka", str(paths.properties)),
        log_file=paths.log,
        pid_file=paths.pid,
        cwd=paths.root,
    )
    bootstrap = f"{LOCALHOST}:{port}"
    log_event("kafka.start", pid=process.pid, bootstrap=bootstrap, version=KAFKA_VERSION)
    try:
        await wait_until_ready(
            bootstrap,
            time_limit=max(1.0, ready_timeout - (time.monotonic() - started)),
            pid=process.pid,
            log_file=paths.log,
        )
    except BaseException:
        stop_process_group(process.pid, name="kafka", timeout=10.0)
        with contextlib.suppress(FileNotFoundError):
            paths.pid.unlink()
        raise
    log_event(
        "kafka.ready",
        bootstrap=bootstrap,
        pid=process.pid,
        seconds=time.monotonic() - started,
        log=relative(paths.log),
    )
    return process.pid


def kafka_pid() -> int | None:
    """The pid of our local broker when it runs (whatever ``KAFKA_BOOTSTRAP_SERVERS`` says)."""
    return running_pid(kafka_paths().pid, _MARKER)


def stop_kafka(timeout: float = 30.0) -> bool:
    """Stop our broker if it runs (controlled shutdown, SIGKILL after ``timeout`` s)."""
    paths = kafka_paths()
    pid = running_pid(paths.pid, _MARKER)
    if pid is None:
        return False
    stop_process_group(pid, name="kafka", timeout=timeout)
    with contextlib.suppress(FileNotFoundError):
        paths.pid.unlink()
    return True


def kafka_status() -> ServiceStatus:
    external = os.environ.get(BOOTSTRAP_ENV, "")
    if external:
        return ServiceStatus("kafka", "external", external)
    paths = kafka_paths()
    port = kafka_port()
    address = f"{LOCALHOST}:{port}"
    pid = running_pid(paths.pid, _MARKER)
    if pid is not None:
        running_port = int(_read_state(paths).get("port", port))
        answering = port_open(LOCALHOST, running_port)
        detail = "" if answering else "not answering (starting, or hung)"
        return ServiceStatus("kafka", "running", f"{LOCALHOST}:{running_port}", pid, detail)
    if port_open(LOCALHOST, port):
        return ServiceStatus("kafka", "foreign", address, None, "port taken by another process")
    return ServiceStatus("kafka", "stopped", address)


# --- Docker (testcontainers) -----------------------------------------------------------------


def docker_available() -> bool:
    """Whether a Docker daemon answers (the ``docker`` client library alone is not enough)."""
    try:
        docker = importlib.import_module("docker")
        client = docker.from_env(timeout=3)
    except Exception:
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            client.close()


@dataclass
class KafkaContainer:
    """A single-node KRaft broker in a Docker container (``apache/kafka`` image)."""

    bootstrap_servers: str
    container: Any

    def stop(self) -> None:
        self.container.stop()


def start_kafka_container(image: str = KAFKA_IMAGE, *, timeout: float = 120.0) -> KafkaContainer:
    """Run ``apache/kafka`` through testcontainers on a free host port and wait until the
    broker is ready (the same probe as for the local broker). Only where Docker exists."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    # The advertised listener must carry the host port, so the container listens on the same
    # port number that is published on the host.
    port = free_port()
    env = {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": f"PLAINTEXT://:{port},CONTROLLER://:9093",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://{LOCALHOST}:{port}",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
        "KAFKA_NUM_PARTITIONS": "1",
        "KAFKA_HEAP_OPTS": "-Xms256m -Xmx1g",
    }
    container = DockerContainer(image).with_envs(**env).with_bind_ports(port, port)
    container.waiting_for(
        LogMessageWaitStrategy("Kafka Server started").with_startup_timeout(int(timeout))
    )
    started = time.monotonic()
    container.start()
    bootstrap = f"{LOCALHOST}:{port}"
    try:
        run_sync(wait_until_ready(bootstrap, time_limit=timeout))
    except BaseException:
        container.stop()
        raise
    seconds = time.monotonic() - started
    log_event("kafka.container.ready", image=image, bootstrap=bootstrap, seconds=seconds)
    return KafkaContainer(bootstrap, container)
