"""The platforms' QR-code APIs in the sandbox, driven as the SDKs call them: their documented
request shapes and errors, each answering a real QR image of what it encodes; and the scan
simulation, which sends WeChat's signed event to the app's callback."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import xmltodict
import zxingcpp
from PIL import Image
from wechatpy.exceptions import WeChatClientException
from wechatpy.utils import check_signature

from sandbox import SandboxSettings, create_app
from tests.sandbox.conftest import LiveSandbox, set_fault
from tests.sandbox.platform_clients import MP, OA, SandboxWeChatClient, alipay_client


def read(image: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(image)))
    assert len(found) == 1, found
    return str(found[0].text)


def wxacode(live: LiveSandbox, **body: Any) -> Any:
    client = SandboxWeChatClient(live.base_url, *MP)
    return client.post(live.url("/wxa/getwxacodeunlimit"), data={"scene": "c=bj-01", **body})


def test_get_unlimited_answers_a_jpeg_of_its_scene(live: LiveSandbox) -> None:
    answer = wxacode(live, env_version="develop", check_path=False, page="pages/index/index")
    assert answer.headers["Content-Type"] == "image/jpeg"
    query = parse_qs(urlsplit(read(answer.content)).query)
    assert query["scene"] == ["c=bj-01"] and query["env_version"] == ["develop"]
    assert query["appid"] == [MP[0]] and query["page"] == ["pages/index/index"]
    assert wxacode(live, is_hyaline=True).content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"scene": "c=" + "x" * 31}, 40169),  # 33 characters
        ({"scene": "c=中文"}, 40129),
        ({"scene": ""}, 40129),
        ({"env_version": "beta"}, 40097),
        ({"page": "/pages/index/index"}, 41030),  # no leading slash
        ({"page": "pages/index/index", "env_version": "trial"}, 41030),  # check_path not false
    ],
)
def test_get_unlimited_refuses_as_documented(live: LiveSandbox, body, errcode) -> None:
    with pytest.raises(WeChatClientException) as refused:
        wxacode(live, **body)
    assert refused.value.errcode == errcode


def test_only_the_mini_programs_token_may_make_its_code(live: LiveSandbox) -> None:
    official = SandboxWeChatClient(live.base_url, *OA)
    official.auto_retry = False  # it would fetch its own token again and again
    with pytest.raises(WeChatClientException) as refused:
        official.post(live.url("/wxa/getwxacodeunlimit"), data={"scene": "c=x"})
    assert refused.value.errcode == 40001


def test_a_permanent_code_has_one_ticket_per_scene_and_an_image_of_its_url(live) -> None:
    client = SandboxWeChatClient(live.base_url, *OA)
    scene = {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "bj-01"}}}
    made, again = client.qrcode.create(scene), client.qrcode.create(scene)
    assert made == again and made["url"].startswith("http://weixin.qq.com/q/")
    image = requests.get(
        live.url("/cgi-bin/showqrcode"), params={"ticket": made["ticket"]}, timeout=5
    )
    assert image.headers["Content-Type"] == "image/jpeg" and read(image.content) == made["url"]
    assert requests.get(live.url("/cgi-bin/showqrcode?ticket=nope"), timeout=5).status_code == 404
    with pytest.raises(WeChatClientException) as refused:
        client.qrcode.create({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {}}})
    assert refused.value.errcode == 40053
    with pytest.raises(WeChatClientException) as refused:
        client.qrcode.create({"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 1}}})
    assert refused.value.errcode == 40009


def test_the_alipay_code_is_an_image_of_the_mini_programs_launch(live, keys_dir) -> None:
    client = alipay_client(live, keys_dir)
    biz = {"url_param": "pages/index/index", "query_param": "c=bj-01", "describe": "一证通查"}
    answer = client.server_api("alipay.open.app.qrcode.create", biz_content=biz)
    assert answer["code"] == "10000"
    text = read(requests.get(answer["qr_code_url"], timeout=5).content)
    assert text.startswith("alipays://platformapi/startapp?")
    assert parse_qs(urlsplit(text).query)["query"] == ["c=bj-01"]
    refused = client.server_api("alipay.open.app.qrcode.create", biz_content={"describe": "x"})
    assert (refused["code"], refused["sub_code"]) == ("40004", "INVALID_PARAMETER")


def test_faults_apply(live: LiveSandbox) -> None:
    set_fault(live, "wechat", "error")
    with pytest.raises(WeChatClientException):
        wxacode(live)


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.path, body))
        reply = "<xml><Content><![CDATA[欢迎]]></Content></xml>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def callback() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/wechat/official/callback"
    server.shutdown()


def test_a_scan_sends_wechats_signed_event_to_the_callback(callback, keys_dir) -> None:
    settings = SandboxSettings(latency_ms=0, keys_dir=keys_dir, callback_url=callback)
    server = LiveSandbox(create_app(settings))
    server.start()
    try:
        assert (
            requests.post(
                server.url("/_sandbox/wechat/scan"), json={"scene": "bj-01"}, timeout=5
            ).status_code
            == 404
        )
        client = SandboxWeChatClient(server.base_url, *OA)
        made = client.qrcode.create(
            {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "bj-01"}}}
        )
        events = []
        for follower in (False, True):
            r = requests.post(
                server.url("/_sandbox/wechat/scan"),
                json={"scene": "bj-01", "follower": follower, "openid": "sbx_fan"},
                timeout=5,
            )
            assert r.json()["reply"] == "欢迎" and r.json()["status"] == 200
            path, body = Receiver.received[-1]
            query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
            check_signature(
                settings.wechat_oa_token, query["signature"], query["timestamp"], query["nonce"]
            )
            events.append(xmltodict.parse(body)["xml"])
    finally:
        server.stop()
    assert [(e["Event"], e["EventKey"]) for e in events] == [
        ("subscribe", "qrscene_bj-01"), ("SCAN", "bj-01"),
    ]  # fmt: skip
    assert {e["Ticket"] for e in events} == {made["ticket"]}
    assert {e["FromUserName"] for e in events} == {"sbx_fan"}
