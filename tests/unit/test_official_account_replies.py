"""The official account's replies, hotline table and menu file, without a server."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from adapters.wechat_menu import load_menu
from app.config import ConfigError, Settings
from app.domain.guides import load_hotlines
from app.domain.official_account import Incoming
from app.wiring import files
from notices.replies import CLICK_KEYS, HELP, UNCONFIRMED, Replies

PUBLIC = "https://yzt.example.gov.cn"
HOTLINES = load_hotlines(
    yaml.safe_load(Path(Settings().hotlines_file).read_text(encoding="utf-8")),
    files.registry(Settings()),
)
REPLIES = Replies.build(PUBLIC + "/", HOTLINES)
SERVICE_URL, GUIDES_URL = f"{PUBLIC}/h5/", f"{PUBLIC}/h5/guides"


def text(content: str) -> Incoming:
    return Incoming("text", "o_user", "gh_account", 1700000000, 1, content=content)


def event(name: str, key: str = "") -> Incoming:
    return Incoming("event", "o_user", "gh_account", 1700000000, 0, event=name, key=key)


@pytest.mark.parametrize(
    ("content", "link"),
    [
        ("一证通查", SERVICE_URL),
        ("电话卡", SERVICE_URL),
        ("  互联网账号\n", SERVICE_URL),
        ("怎么查电话卡", SERVICE_URL),
        ("解绑", GUIDES_URL),
        ("互联网账号解绑", GUIDES_URL),
    ],
)
def test_keywords_get_their_link(content, link):
    reply = REPLIES.for_message(text(content))
    assert reply is not None and link in reply


def test_the_hotline_table_lists_every_line_and_marks_the_unconfirmed():
    table = REPLIES.for_message(text("客服"))
    assert table is not None and "95017" in table
    assert REPLIES.for_message(event("click", "HOTLINES")) == table
    assert any(not h.confirmed for h in HOTLINES), "the data file marks 百度 and 钉钉 待确认"
    for hotline in HOTLINES:
        shown = hotline.phone if hotline.confirmed else UNCONFIRMED
        assert f"{hotline.name}：{shown}" in table


def test_events():
    welcome = REPLIES.for_message(event("subscribe"))
    assert welcome is not None and "一证通查" in welcome and SERVICE_URL in welcome
    assert REPLIES.for_message(event("subscribe_scan", "42")) == welcome
    assert REPLIES.for_message(event("scan", "42")) == welcome  # an existing follower scans
    assert GUIDES_URL in (REPLIES.for_message(event("click", "GUIDES")) or "")
    assert SERVICE_URL in (REPLIES.for_message(event("click", "SERVICE")) or "")
    assert REPLIES.for_message(event("click", "SOMETHING_ELSE")) == HELP
    for silent in ("unsubscribe", "view", "location", "templatesendjobfinish"):
        assert REPLIES.for_message(event(silent)) is None


def test_anything_else_gets_help():
    assert REPLIES.for_message(text("你好")) == HELP
    assert REPLIES.for_message(Incoming("image", "o_user", "gh_account", 1, 9)) == HELP
    # wechatpy reads an event type it does not know as "unknown": no reply, not help
    assert REPLIES.for_message(Incoming("unknown", "o_user", "gh_account", 1, 0)) is None


def write_yaml(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "data.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- the menu file -----------------------------------------------------------------------------

SETTINGS = Settings(public_url=PUBLIC, wechat_mp_appid="wx_mp_appid")


def test_the_menu_file_is_the_documented_menu():
    (top,) = load_menu(SETTINGS)["button"]
    assert top["name"] == "政务服务"
    service, guides, hotlines = top["sub_button"]
    assert service == {"type": "view", "name": "一证通查", "url": SERVICE_URL}
    assert guides == {"type": "click", "name": "解绑说明", "key": "GUIDES"}
    assert hotlines == {"type": "click", "name": "客服电话", "key": "HOTLINES"}
    assert {guides["key"], hotlines["key"]} <= set(CLICK_KEYS)


def test_the_service_button_opens_the_mini_program_when_configured():
    settings = replace(SETTINGS, wechat_oa_menu_pagepath="pages/index/index")
    service = load_menu(settings)["button"][0]["sub_button"][0]
    assert service == {
        "type": "miniprogram",
        "name": "一证通查",
        "url": SERVICE_URL,
        "appid": "wx_mp_appid",
        "pagepath": "pages/index/index",
    }
    no_appid = replace(settings, wechat_mp_appid="")
    assert load_menu(no_appid)["button"][0]["sub_button"][0]["type"] == "view"


CLICK = {"type": "click", "name": "客服电话", "key": "HOTLINES"}


@pytest.mark.parametrize(
    "data",
    [
        {"button": []},
        {"button": [CLICK] * 4},
        {"button": [{"name": "政务服务", "sub_button": [CLICK] * 6}]},
        {"button": [{**CLICK, "key": "NOT_ANSWERED"}]},
        {"button": [{**CLICK, "name": "这个名字超过了十六个字节"}]},
        {"button": [{"type": "view", "name": "一证通查", "url": "/h5/"}]},
        {"button": [{"type": "scancode_push", "name": "扫码", "key": "X"}]},
        {"button": ["not a mapping"]},
    ],
)
def test_a_bad_menu_file_is_refused(tmp_path, data):
    with pytest.raises(ConfigError):
        load_menu(SETTINGS, write_yaml(tmp_path, data))


def test_a_relative_link_is_refused_when_public_url_is_unset():
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        load_menu(replace(SETTINGS, public_url=""))
