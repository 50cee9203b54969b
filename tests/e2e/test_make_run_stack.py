"""The stack that `make run` starts (python -m app.runtime.stack), over HTTP, then stopped with
SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib
import requests

from app.config import ROOT, SANDBOX_ADMIN_TOKENS, SANDBOX_METRICS_TOKEN
from app.runtime.embedded_redis import free_port
from tests.integration.channel_steps import decoded
from tests.processes import LOGS
from tests.support import USED_IDENTIFIERS, Sandbox, make_id, make_name, make_phone


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    var = tmp_path_factory.mktemp("var")
    ports = {
        "PORT": free_port(),
        "SANDBOX_PORT": free_port(),
        "EMBEDDED_REDIS_PORT": free_port(),
        "EMBEDDED_KEYSTORE_PORT": free_port(),
    }
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update({k: str(v) for k, v in ports.items()})
    env.update(
        {
            "VAR_DIR": str(var),
            "SANDBOX_KEYS_DIR": str(var / "keys"),
            "WORKER_THREADS": "8",
            "WEB_CONCURRENCY": "1",
        }
    )
    log_path = LOGS / "stack.log"
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.runtime.stack"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    api = f"http://127.0.0.1:{ports['PORT']}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{api}/readyz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert process.poll() is None, "the stack exited while starting"
        time.sleep(0.2)
    else:
        raise AssertionError("the stack never became ready")
    yield {
        "api": api,
        "sandbox": f"http://127.0.0.1:{ports['SANDBOX_PORT']}",
        "pid": str(process.pid),
        "var": str(var),
        "keystore": f"redis://127.0.0.1:{ports['EMBEDDED_KEYSTORE_PORT']}/0",
        "redis": f"redis://127.0.0.1:{ports['EMBEDDED_REDIS_PORT']}/0",
    }
    if process.poll() is None:
        process.kill()


def test_readyz_reports_redis_and_worker(stack):
    r = requests.get(f"{stack['api']}/readyz", timeout=5)
    assert r.status_code == 200 and r.json() == {"redis": "ok", "worker": "ok"}
    assert requests.get(f"{stack['api']}/healthz", timeout=5).status_code == 200


def test_a_phone_cards_query_over_http(stack):
    sandbox = Sandbox(stack["sandbox"])
    id_number, name, phone = make_id(), make_name(), make_phone()
    sandbox.put_person(id_number, name, [{"operator": "ctcc", "phone": phone, "status": "active"}])
    api = requests.Session()
    token = api.post(
        f"{stack['api']}/api/v1/sessions", json={"platform": "alipay", "code": "e2e"}, timeout=10
    ).json()["token"]
    api.headers["Authorization"] = f"Bearer {token}"
    form = {
        "service": "phone_cards",
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "agree": True,
    }
    r = api.post(f"{stack['api']}/api/v1/verification-codes", json=form, timeout=10)
    assert r.status_code == 202, r.text
    r = api.post(
        f"{stack['api']}/api/v1/queries",
        json={**form, "code": sandbox.last_code(phone)},
        timeout=10,
    )
    assert r.status_code == 202, r.text
    result = sandbox.wait_for_sms(phone, 2)[-1]
    assert result["template"] == "phone_cards_result" and result["params"]["ctcc"] == "1"


def test_the_aof_of_make_run_holds_no_key_to_its_forms(stack):
    """The query above left its sealed form in the AOF (a SET, then a DEL), but the key that
    sealed it lives only in the memory-only key store, and dies with the forms it sealed."""
    state, keystore = (redis_lib.Redis.from_url(stack[name]) for name in ("redis", "keystore"))
    state.config_set("appendfsync", "always")
    state.set("yzt:e2e-flush", "1", ex=60)
    aof = b"".join(
        path.read_bytes() for path in (Path(stack["var"]) / "redis").rglob("*") if path.is_file()
    )
    assert b"yzt:form:" in aof  # the form went through the AOF...
    epoch_keys: list[bytes] = [keystore.get(n) for n in keystore.scan_iter("yzt:sealkey:*")]  # type: ignore[misc]
    assert epoch_keys and all(len(key) == 32 for key in epoch_keys)
    assert not any(key in aof for key in epoch_keys)  # ...its key never did
    assert state.keys("yzt:sealkey:*") == []
    assert list((Path(stack["var"]) / "keystore").glob("*")) == []  # no file at all


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
        if not labels and line.startswith(f"{name} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_add_up_api_and_worker_processes(stack):
    assert requests.get(f"{stack['api']}/metrics", timeout=5).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert requests.get(f"{stack['api']}/metrics", headers=wrong, timeout=5).status_code == 401
    scraper = {"Authorization": f"Bearer {SANDBOX_METRICS_TOKEN}"}
    text = requests.get(f"{stack['api']}/metrics", headers=scraper, timeout=5).text
    # the query of the test above, counted by the worker process, seen through the API
    assert (
        metric(
            text, "yzt_queries_total", service="phone_cards", outcome="result", status="delivered"
        )
        >= 1
    )
    assert metric(text, "yzt_partner_call_seconds_count", partner="ctcc") >= 1
    assert metric(text, "yzt_http_requests_total", endpoint="api_v1.Queries", status="202") >= 1
    assert metric(text, "yzt_code_sms_total", result="sent") >= 1
    assert metric(text, "yzt_breaker_open", partner="cmcc") == 0
    assert 'yzt_queue_messages{state="waiting"}' in text


def readme_block(heading: str) -> str:
    """The first ```sh block after a README heading, as a newcomer would paste it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(heading) :]
    return after.split("```sh\n", 1)[1].split("\n```", 1)[0]


def test_the_readmes_channel_walkthrough_word_for_word(stack, tmp_path):
    """Create a channel, fetch its four QR codes, play a scan, run a query from it and read the
    funnel: the README's commands, run by bash against this stack (only its ports and var/ are
    this test's)."""
    USED_IDENTIFIERS.update({"110101198503150048", "13900139000", "李四"})
    script = readme_block("## From a poster to the funnel")
    for ours, theirs in (
        ("http://127.0.0.1:8001", stack["sandbox"]),
        ("http://127.0.0.1:8000", stack["api"]),
        ("redis://127.0.0.1:6390/0", stack["redis"]),
        ("var/", f"{tmp_path}/"),
    ):
        assert ours in script
        script = script.replace(ours, theirs)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert f"{stack['api']}/h5/?c=bj-cy-police-01" in out  # the scan's welcome
    assert '"scans":1,"sessions":1,"code_requests":1,"queries":1' in out.replace(" ", "")
    assert "bj-cy-police-01" in out and "图表:" in out
    assert list((tmp_path / "reports").glob("channels-*.png"))
    codes = {p.stem: decoded(p.read_bytes()) for p in (tmp_path / "qr").glob("*.png")}
    assert codes["h5"] == f"{stack['api']}/h5/?c=bj-cy-police-01"
    assert "scene=c%3Dbj-cy-police-01" in codes["wechat_miniprogram"]
    assert "query=c%3Dbj-cy-police-01" in codes["alipay"]
    assert codes["wechat_official"].startswith("http://weixin.qq.com/q/")
    admin = {"Authorization": f"Bearer {SANDBOX_ADMIN_TOKENS.split(':', 1)[1]}"}
    funnel_url = f"{stack['api']}/api/v1/admin/channels/bj-cy-police-01/funnel?days=1"
    deadline = time.monotonic() + 20
    while requests.get(funnel_url, headers=admin, timeout=5).json()["days"][0]["delivered"] < 1:
        assert time.monotonic() < deadline, "the walkthrough's query was never delivered"
        time.sleep(0.2)


def test_sigterm_stops_everything_it_started(stack):
    pid = int(stack["pid"])
    children = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert len(children) == 5  # redis, the key store, sandbox, gunicorn, dramatiq
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        status = (
            Path(f"/proc/{pid}/stat").read_text().split()[2]
            if Path(f"/proc/{pid}/stat").exists()
            else "Z"
        )
        if status == "Z":
            break
        time.sleep(0.2)
    alive = [
        c
        for c in children
        if Path(f"/proc/{c}").exists() and Path(f"/proc/{c}/stat").read_text().split()[2] != "Z"
    ]
    assert alive == []
    assert (Path(stack["var"]) / "redis" / "appendonly.aof").exists() or any(
        (Path(stack["var"]) / "redis").glob("appendonlydir*")
    )
