"""Each channel's four QR codes, made by the platforms' emulations in the sandbox through the
real SDKs (wechatpy with the shared token, python-alipay-sdk) or here, read back with zxing-cpp
to prove what they encode; cached; and their refusals."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.integration.channel_steps import ADMIN, create_channel, decoded

QR = "/api/v1/admin/channels/{}/qrcodes/{}"


def qrcode(client, channel_id: str, kind: str):
    return client.get(QR.format(channel_id, kind), headers=ADMIN)


def png_of(client, channel_id: str, kind: str) -> bytes:
    r = qrcode(client, channel_id, kind)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "image/png"
    return bytes(r.data)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def test_the_h5_code_encodes_the_public_address_with_the_channel(client, settings):
    channel_id = create_channel(client)
    assert decoded(png_of(client, channel_id, "h5")) == f"{settings.public_url}/h5/?c={channel_id}"


def test_the_mini_program_code_has_the_scene_c_equals_id(client, settings):
    channel_id = create_channel(client)
    text = decoded(png_of(client, channel_id, "wechat_miniprogram"))
    assert text.startswith("weixin://sandbox-wxacode?")
    assert query_of(text) == {
        "appid": settings.wechat_mp_appid,
        "page": "",
        "scene": f"c={channel_id}",
        "env_version": "release",
    }


def test_env_version_and_page_are_configurable(settings):
    from app import create_app

    trial = create_app(
        replace(settings, wechat_mp_env_version="trial", wechat_mp_code_page="pages/index/index")
    ).test_client()
    channel_id = create_channel(trial)
    text = decoded(png_of(trial, channel_id, "wechat_miniprogram"))
    assert query_of(text)["env_version"] == "trial"  # accepted: check_path was false
    assert query_of(text)["page"] == "pages/index/index"


def test_the_official_accounts_code_is_a_permanent_string_scene(client, sandbox):
    channel_id = create_channel(client)
    url = decoded(png_of(client, channel_id, "wechat_official"))
    assert url.startswith("http://weixin.qq.com/q/")
    made = requests.get(f"{sandbox.url}/_sandbox/wechat/qrcodes", timeout=5).json()["qrcodes"]
    assert {"url": url, "scene": channel_id}.items() <= next(
        c for c in made if c["url"] == url
    ).items()


def test_the_alipay_code_has_the_query_c_equals_id(client, settings):
    channel_id = create_channel(client)
    text = decoded(png_of(client, channel_id, "alipay"))
    assert text.startswith("alipays://platformapi/startapp?")
    assert query_of(text) == {
        "appId": settings.alipay_appid,
        "page": settings.alipay_qrcode_page,
        "query": f"c={channel_id}",
    }


@pytest.mark.parametrize(("kind", "partner"), [
    ("wechat_miniprogram", "wechat"), ("wechat_official", "wechat"), ("alipay", "alipay"),
])  # fmt: skip
def test_a_platform_down_is_503_and_a_cached_code_needs_no_platform(client, sandbox, kind, partner):
    cached, fresh = create_channel(client), create_channel(client)
    first = png_of(client, cached, kind)
    sandbox.fault(partner, "error")
    assert png_of(client, cached, kind) == first  # from the cache: the platform is not asked
    r = qrcode(client, fresh, kind)
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "platform_unavailable"
    sandbox.clear_faults()
    assert decoded(png_of(client, fresh, kind))


def test_an_expired_token_is_refreshed_once_from_the_shared_store(client, sandbox):
    png_of(client, create_channel(client), "wechat_miniprogram")
    assert (
        requests.post(f"{sandbox.url}/_sandbox/wechat/tokens/expire", timeout=5).status_code == 204
    )
    channel_id = create_channel(client)
    assert query_of(decoded(png_of(client, channel_id, "wechat_miniprogram")))["scene"] == (
        f"c={channel_id}"
    )


def test_refusals(client):
    channel_id = create_channel(client)
    assert qrcode(client, "no-such-channel", "h5").status_code == 404
    assert qrcode(client, channel_id, "poster").status_code == 404
    long_id = create_channel(client, "x" * 31)
    r = qrcode(client, long_id, "wechat_miniprogram")  # c=<31> is over the scene's 32
    assert r.status_code == 422 and "scene" in r.get_json()["error"]["message"]
    assert decoded(png_of(client, long_id, "wechat_official"))
