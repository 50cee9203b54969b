"""Logging in through the real SDKs against the sandbox's WeChat and Alipay, which answer each
documented error (sandbox/wechat.py, sandbox/alipay_errors.py): a code the user can retry is
401 login_failed; anything else is 503 platform_unavailable; never a 500."""

from __future__ import annotations

import re
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests


def login(client: Any, platform: str, code: str) -> Any:
    return client.post("/api/v1/sessions", json={"platform": platform, "code": code})


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and re.search(r"[\u4e00-\u9fff]", error["message"])


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("bad-w", 401, "login_failed"),  # 40029 invalid code
        ("used-w", 401, "login_failed"),  # 40163 code been used
        ("risky-w", 401, "login_failed"),  # 40226 high-risk user
        ("freq-w", 503, "platform_unavailable"),  # 45011 rate limit
        ("busy-w", 503, "platform_unavailable"),  # -1 system busy
        ("stale-w", 503, "platform_unavailable"),  # 40001 invalid credential
        ("noopenid-w", 503, "platform_unavailable"),  # JSON without openid
        ("nojson-w", 503, "platform_unavailable"),  # an HTML page
    ],
)
def test_wechat_login_answers(client, code: str, status: int, error: str) -> None:
    assert_error(login(client, "wechat", code), status, error)


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("bad-a", 401, "login_failed"),  # isv.code-invalid
        ("expired-a", 401, "login_failed"),  # isv.code-expired
        ("authcode-a", 401, "login_failed"),  # invalid-auth-code
        ("inbody-a", 401, "login_failed"),  # isv.code-invalid signed inside the answer
        ("appid-a", 503, "platform_unavailable"),  # isv.invalid-app-id
        ("unknown-a", 503, "platform_unavailable"),  # isp.unknow-error
        ("inbodybusy-a", 503, "platform_unavailable"),  # isp.unknow-error, signed in the answer
        ("nojson-a", 503, "platform_unavailable"),  # an HTML page
        ("wrongsign-a", 503, "platform_unavailable"),  # a signature that does not verify
    ],
)
def test_alipay_login_answers(client, code: str, status: int, error: str) -> None:
    assert_error(login(client, "alipay", code), status, error)


@pytest.fixture
def process_in_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The API process's local time is UTC, as on most servers (the test stack's processes run
    with TZ=Asia/Shanghai; the in-process app runs in this one)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_alipay_login_stamps_china_time_whatever_the_process_zone(client, process_in_utc) -> None:
    # the sandbox refuses a timestamp more than 15 minutes from China time (isv.invalid-timestamp)
    r = login(client, "alipay", "u-utc-server")
    assert r.status_code == 201, r.get_json()


class RecordingProxy(socketserver.ThreadingTCPServer):
    """An HTTPS proxy that records which hosts the process tried to reach, then hangs up."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), self.Handler)
        self.requests: list[str] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            line = self.rfile.readline(1024).decode("latin-1").strip()
            self.server.requests.append(line)  # type: ignore[attr-defined]
            self.connection.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def https_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    proxy = RecordingProxy()
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    yield proxy
    proxy.shutdown()
    proxy.server_close()


def token_fetches(settings: Any) -> int:
    r = requests.get(f"{settings.sandbox_url}/_sandbox/wechat/tokens", timeout=5)
    return int(r.json()["fetches"].get(settings.wechat_mp_appid, 0))


def test_a_stale_credential_at_login_fetches_no_token_anywhere(
    client, settings, https_proxy
) -> None:
    """wechatpy's automatic retry would fetch a token from the hard-coded api.weixin.qq.com on
    40001 (and rotate the token the notices share): the login client has it off."""
    before = token_fetches(settings)
    assert_error(login(client, "wechat", "stale-proxy"), 503, "platform_unavailable")
    assert https_proxy.requests == []  # nothing went towards api.weixin.qq.com
    assert token_fetches(settings) == before  # nor to the sandbox's /cgi-bin/token
    assert login(client, "wechat", "u-after-stale").status_code == 201
    assert https_proxy.requests == [] and token_fetches(settings) == before
