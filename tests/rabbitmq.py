"""A RabbitMQ for the tests that run the task queue on it: the suite's own node.

Debian's rabbitmq-server package (`make test` installs it) is started as a node of its own: its
own name, ports, data, logs, config, Erlang cookie and epmd, all under a temporary directory, so
it neither sees nor disturbs a RabbitMQ the machine may already run, and nothing of it outlives
the session. Where the package is missing, a broker already answering on 127.0.0.1:5672 with the
default guest account is used instead. Where neither exists, the tests that need RabbitMQ fail
and say so: a skip would hide that the RabbitMQ broker was never tested.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pika
import pika.exceptions
import pytest

from app.runtime.embedded_redis import free_port, wait_for_port

# The real script: Debian's /usr/sbin/rabbitmq-server wrapper switches to the rabbitmq user,
# who cannot write the test's temporary directory, and logs to /var/log/rabbitmq.
SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
MACHINE_BROKER = "amqp://guest:guest@127.0.0.1:5672/%2F"
START_TIMEOUT_S = 90.0  # about 5 s on a quiet machine; CI machines can be much slower
STOP_TIMEOUT_S = 30.0


def answers_amqp(url: str) -> bool:
    """A full AMQP handshake, not just an open port: the broker is ready for clients."""
    parameters = pika.URLParameters(url)
    parameters.connection_attempts, parameters.socket_timeout = 1, 2.0
    pika_log = logging.getLogger("pika")
    level = pika_log.level
    # a refused connection while the node starts is expected: not an error for the API's log
    pika_log.setLevel(logging.CRITICAL)
    try:
        pika.BlockingConnection(parameters).close()
    except pika.exceptions.AMQPError:
        return False
    finally:
        pika_log.setLevel(level)
    return True


@contextlib.contextmanager
def broker(base: Path, log_path: Path) -> Iterator[str]:
    """The AMQP URL of a RabbitMQ for this session: a private node, else the machine's."""
    if SERVER.exists():
        with open(log_path, "ab") as log, private_node(base, log, log_path) as url:
            yield url
    elif answers_amqp(MACHINE_BROKER):
        yield MACHINE_BROKER  # no package to start a node from, but the machine runs a broker
    else:
        pytest.fail(
            f"RabbitMQ is needed and there is none: {SERVER} is missing (Debian's "
            "rabbitmq-server package; `make test` installs it) and nothing answers AMQP on "
            "127.0.0.1:5672",
            pytrace=False,
        )


@contextlib.contextmanager
def private_node(base: Path, log: BinaryIO, log_path: Path) -> Iterator[str]:
    """Start a node under `base`, yield its AMQP URL once it answers, stop it at the end."""
    node_port, dist_port, epmd_port = free_port(), free_port(), free_port()
    env = node_environment(base, node_port, dist_port, epmd_port)
    epmd = start_epmd(epmd_port, log)
    node = None
    try:
        # a session of its own: the script, the Erlang VM and its helpers stop together
        node = subprocess.Popen(
            [str(SERVER)],
            env=env,
            cwd=base,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"amqp://guest:guest@127.0.0.1:{node_port}/%2F"
        wait_until_ready(node, url, log_path)
        yield url
    finally:
        if node is not None:
            stop_node(node)
        epmd.terminate()
        epmd.wait(10)


def node_environment(base: Path, node_port: int, dist_port: int, epmd_port: int) -> dict[str, str]:
    """Every path and port the node would otherwise take from /etc/rabbitmq or /var/lib."""
    for name in ("home", "mnesia", "log", "conf.d"):
        (base / name).mkdir(parents=True, exist_ok=True)
    # Empty files, not the machine's: /etc/rabbitmq's may name the node or pin port 5672.
    (base / "rabbitmq-env.conf").write_text("")
    (base / "rabbitmq.conf").write_text("")
    (base / "enabled_plugins").write_text("[].\n")  # no plugins: faster, and nothing to listen
    return {
        "PATH": os.environ["PATH"],  # nothing else from the caller's RABBITMQ_* or ERL_FLAGS
        "LANG": "C.UTF-8",
        "HOME": str(base / "home"),  # the Erlang cookie is made here, never the machine's
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "ERL_EPMD_PORT": str(epmd_port),
        "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
        "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
        "RABBITMQ_CONFIG_FILES": str(base / "conf.d"),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
        "RABBITMQ_NODENAME": f"yzt-test-{node_port}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(node_port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
        "RABBITMQ_LOG_BASE": str(base / "log"),
        "RABBITMQ_LOGS": "-",  # to standard output, which goes to test-artifacts/logs/
    }


def start_epmd(port: int, log: BinaryIO) -> subprocess.Popen[bytes]:
    """An epmd of our own, in the foreground: the node would otherwise start a daemon that
    outlives the tests, or register with the machine's."""
    epmd = shutil.which("epmd")  # Erlang's, which rabbitmq-server depends on
    if epmd is None:
        pytest.fail("epmd (Debian's erlang-base) is missing", pytrace=False)
    process = subprocess.Popen(
        [epmd, "-port", str(port), "-address", "127.0.0.1"], stdout=log, stderr=log
    )
    wait_for_port(port, process)
    return process


def wait_until_ready(node: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not answers_amqp(url):
        if node.poll() is not None:
            pytest.fail(
                f"the test RabbitMQ node exited with {node.returncode}; see {log_path}",
                pytrace=False,
            )
        if time.monotonic() > deadline:
            pytest.fail(
                f"the test RabbitMQ node did not answer within {START_TIMEOUT_S:.0f} s; "
                f"see {log_path}",
                pytrace=False,
            )
        time.sleep(0.2)


def stop_node(node: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the group: the script passes it on and waits for the node's clean shutdown."""
    if node.poll() is not None:
        return
    os.killpg(node.pid, signal.SIGTERM)
    try:
        node.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        # the script still runs, so the group is still ours: a hung VM and its helpers go now
        os.killpg(node.pid, signal.SIGKILL)
        node.wait(10)
