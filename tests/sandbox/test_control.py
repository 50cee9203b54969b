"""Control endpoints, privacy of the access log, latency and concurrency, keys and settings."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
from aiohttp import ClientSession, TCPConnector
from aiohttp.test_utils import TestServer
from Cryptodome.PublicKey import RSA

from adapters import partner_signing
from sandbox import SandboxSettings, create_app
from sandbox.accesslog import runner_kwargs
from sandbox.common import STATE
from sandbox.keys import ensure_keys
from tests.sandbox.conftest import LiveSandbox, put_person

ID = "11010519491231002X"
PHONE = "13800138000"


# --- control ------------------------------------------------------------------------------


def test_healthz(live: LiveSandbox) -> None:
    response = requests.get(live.url("/healthz"), timeout=5)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize(
    "body",
    [
        {"cards": []},
        {"name": "张三", "cards": [{"operator": "nobody", "phone": PHONE, "status": "active"}]},
        {"name": "张三", "cards": [{"operator": "cmcc", "phone": PHONE, "status": "lost"}]},
        {"name": "张三", "cards": [{"operator": "cmcc", "status": "active"}]},
        {"name": "张三", "cards": "none"},
        ["张三"],
    ],
)
def test_put_person_validates(live: LiveSandbox, body: Any) -> None:
    response = requests.put(live.url(f"/_sandbox/people/{ID}"), json=body, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


def test_a_number_in_service_under_two_people_is_refused(live: LiveSandbox) -> None:
    """Recycled numbers: one phone under several people, at most one of them not cancelled."""
    other = "110105194912310038"
    put_person(live, ID, "张三", [("cmcc", PHONE, "active")])
    url = live.url(f"/_sandbox/people/{other}")
    taken = {"name": "李四", "cards": [{"operator": "ctcc", "phone": PHONE, "status": "suspended"}]}
    response = requests.put(url, json=taken, timeout=5)
    assert (response.status_code, response.json()["error"]) == (409, "conflict")
    put_person(live, ID, "张三", [("cmcc", PHONE, "cancelled")])  # 张三 gave it up
    assert requests.put(url, json=taken, timeout=5).status_code == 204


@pytest.mark.parametrize("body", [{"wechat": 1, "myspace": 1}, {"qq": -1}, {"qq": True}, [1]])
def test_put_accounts_validates(live: LiveSandbox, body: Any) -> None:
    url = live.url(f"/_sandbox/phones/{PHONE}/accounts")
    assert requests.put(url, json=body, timeout=5).status_code == 400


def test_faults_validate_partner_and_mode(live: LiveSandbox) -> None:
    url = live.url("/_sandbox/faults/")
    assert requests.put(url + "nobody", json={"mode": "error"}, timeout=5).status_code == 404
    assert requests.put(url + "cmcc", json={"mode": "melt"}, timeout=5).status_code == 400
    assert requests.put(url + "cmcc", json={"mode": "limit"}, timeout=5).status_code == 400
    slow: dict[str, Any] = {"mode": "slow", "latency_ms": -5}
    assert requests.put(url + "cmcc", json=slow, timeout=5).status_code == 400
    for partner in ("vno2", "meituan", "sms", "wechat", "alipay"):
        assert requests.put(url + partner, json={"mode": "ok"}, timeout=5).status_code == 204


def test_notices_filter_by_user(live: LiveSandbox) -> None:
    state = live.app[STATE]
    live.call(lambda: state.record_notice("wechat_subscribe", "sbx_a", "result", {"n": 1}))
    live.call(lambda: state.record_notice("alipay_template", "sbx_b", "result", {"n": 2}))
    response = requests.get(live.url("/_sandbox/notices"), params={"user": "sbx_a"}, timeout=5)
    [notice] = response.json()["notices"]
    assert notice["channel"] == "wechat_subscribe" and notice["data"] == {"n": 1}
    everything = requests.get(live.url("/_sandbox/notices"), timeout=5).json()["notices"]
    assert len(everything) == 2
    requests.post(live.url("/_sandbox/reset"), timeout=5)
    assert requests.get(live.url("/_sandbox/notices"), timeout=5).json() == {"notices": []}


# --- privacy ------------------------------------------------------------------------------


def test_access_log_masks_ids_phones_names_and_secrets(
    live: LiveSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sandbox")
    put_person(live, ID, "张三", [("cmcc", PHONE, "active")])
    requests.put(live.url(f"/_sandbox/phones/{PHONE}/accounts"), json={"qq": 1}, timeout=5)
    requests.get(live.url("/_sandbox/sms"), params={"phone": PHONE}, timeout=5)
    requests.get(live.url("/_sandbox/notices"), params={"user": "张三"}, timeout=5)
    query = {"appid": "wx_sandbox_mp", "secret": "sandbox-mp-secret", "js_code": "abc"}
    requests.get(live.url("/sns/jscode2session"), params=query, timeout=5)
    deadline = time.monotonic() + 2  # the server thread logs after it has answered
    while time.monotonic() < deadline and "/sns/jscode2session" not in caplog.text:
        time.sleep(0.02)
    lines = [r.getMessage() for r in caplog.records if r.name == "sandbox"]
    text = "\n".join(lines)
    assert "PUT /_sandbox/people/110***********002X 204" in text
    assert "138****8000" in text
    for secret in (ID, PHONE, "张三", "%E5%BC%A0%E4%B8%89", "sandbox-mp-secret", "js_code=abc"):
        assert secret not in text


# --- latency and concurrency --------------------------------------------------------------


async def _signed(session: ClientSession, base: str, partner: str, body: dict) -> int:
    path = f"/partners/{partner}/v1/owner/verify"
    raw = json.dumps(body).encode()
    secret = f"sandbox-secret-{partner}".encode()
    headers = partner_signing.signed_headers("yzt", secret, "POST", path, raw)
    async with session.post(base + path, data=raw, headers=headers) as response:
        return response.status


async def _with_server(settings: SandboxSettings, scenario) -> None:
    server = TestServer(create_app(settings), **runner_kwargs())
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        async with ClientSession(connector=TCPConnector(limit=0)) as session:
            await scenario(session, base)
    finally:
        await server.close()


def test_base_latency_applies_to_partners_not_control(sandbox_settings: SandboxSettings) -> None:
    async def scenario(session: ClientSession, base: str) -> None:
        started = time.monotonic()
        async with session.get(base + "/healthz") as response:
            assert response.status == 200
        assert time.monotonic() - started < 0.25
        started = time.monotonic()
        assert await _signed(session, base, "cbn", {"phone": PHONE, "id_last6": "31002X"}) == 200
        assert time.monotonic() - started >= 0.3

    asyncio.run(_with_server(replace(sandbox_settings, latency_ms=300), scenario))


def test_hundreds_of_slow_calls_run_concurrently(sandbox_settings: SandboxSettings) -> None:
    async def scenario(session: ClientSession, base: str) -> None:
        body = {"phone": PHONE, "id_last6": "31002X"}
        started = time.monotonic()
        partners = ("cmcc", "cucc", "ctcc", "cbn", "vno1", "vno2")
        calls = [_signed(session, base, partners[n % 6], body) for n in range(300)]
        statuses = await asyncio.gather(*calls)
        assert statuses == [200] * 300
        assert time.monotonic() - started < 3  # one after another would take 60 s

    asyncio.run(_with_server(replace(sandbox_settings, latency_ms=200), scenario))


# --- keys and settings --------------------------------------------------------------------


def test_ensure_keys_makes_matching_pairs_once(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: ensure_keys(directory), range(3)))
    before = {p.name: p.read_bytes() for p in directory.glob("*.pem")}
    assert sorted(before) == [
        "alipay_private.pem",
        "alipay_public.pem",
        "app_private.pem",
        "app_public.pem",
    ]
    for name in ("app", "alipay"):
        private = before[f"{name}_private.pem"]
        assert private.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
        assert before[f"{name}_public.pem"].startswith(b"-----BEGIN PUBLIC KEY-----")
        key = RSA.importKey(private)
        assert key.size_in_bits() == 2048
        assert key.publickey() == RSA.importKey(before[f"{name}_public.pem"])
    ensure_keys(directory)
    assert {p.name: p.read_bytes() for p in directory.glob("*.pem")} == before


def test_settings_from_env() -> None:
    env = {
        "SANDBOX_PORT": "9001",
        "SANDBOX_LATENCY_MS": "0",
        "SANDBOX_KEYS_DIR": "/tmp/k",
        "WECHAT_MP_APPID": "wx_mp",
        "ALIPAY_APPID": "2021",
        "PARTNER_SECRET_CMCC": "s3cret",
        "SMS_SANDBOX_SECRET": "sms-key",
    }
    settings = SandboxSettings.from_env(env)
    assert (settings.port, settings.latency_ms, str(settings.keys_dir)) == (9001, 0, "/tmp/k")
    assert (settings.wechat_mp_appid, settings.wechat_oa_appid) == ("wx_mp", "wx_sandbox_oa")
    assert settings.alipay_appid == "2021" and settings.sms_secret == "sms-key"
    assert settings.partner_secret("cmcc") == b"s3cret"
    assert settings.partner_secret("cucc") == b"sandbox-secret-cucc"
    defaults = SandboxSettings.from_env({})
    assert (defaults.port, defaults.latency_ms) == (8001, 20)


def test_default_aiohttp_access_log_is_scrubbed_too(
    sandbox_settings: SandboxSettings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")

    async def run() -> None:
        server = TestServer(create_app(sandbox_settings))  # no runner_kwargs: aiohttp's own logger
        await server.start_server()
        try:
            async with ClientSession() as session:
                url = server.make_url(f"/_sandbox/sms?phone={PHONE}&secret=abc&code=xyz")
                async with session.get(url) as response:
                    assert response.status == 200
        finally:
            await server.close()

    asyncio.run(run())
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "aiohttp.access")
    assert "138****8000" in text and "secret=***&code=*** HTTP" in text
    assert PHONE not in text and "abc" not in text
