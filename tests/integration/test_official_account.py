"""/wechat/official/callback over the real app and the test Redis (api.md, "WeChat official
account"): URL verification, plain and safe mode, replies, retries, replays, hostile bodies."""

from __future__ import annotations

import secrets
import time
from dataclasses import replace

import pytest

from app.wiring.api import build_api
from notices.replies import HELP, UNCONFIRMED
from tests.fakes.clock import FixedClock
from tests.official_account.samples import (
    DECRYPT_APPID,
    DECRYPT_NONCE,
    DECRYPT_TIMESTAMP,
    DECRYPT_TOKEN,
    SAMPLE_AES_KEY,
    SAMPLE_FROM_XML,
    WECHATPY_AES_KEY,
    WECHATPY_APPID,
    WECHATPY_BODY,
    WECHATPY_MSG_SIGNATURE,
    WECHATPY_NONCE,
    WECHATPY_TIMESTAMP,
    WECHATPY_TOKEN,
    sample_args,
)
from tests.official_account.wechat import (
    ACCOUNT,
    CALLBACK,
    assert_json_error,
    crypto_of,
    event_xml,
    new_msg_id,
    new_openid,
    open_sealed,
    post_plain,
    post_safe,
    reply_of,
    signature,
    signed_args,
    text_xml,
)


@pytest.fixture(scope="module")
def oa_client(flask_app):
    return flask_app.test_client()


def links(settings):
    base = settings.public_url.rstrip("/")
    return {"service": f"{base}/h5/", "guides": f"{base}/h5/guides"}


# --- URL verification -------------------------------------------------------------------------


def test_url_verification_echoes_echostr(oa_client, settings):
    echostr = str(secrets.randbelow(10**18))
    r = oa_client.get(
        CALLBACK, query_string={**signed_args(settings.wechat_oa_token), "echostr": echostr}
    )
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert r.get_data(as_text=True) == echostr


@pytest.mark.parametrize(
    "change",
    [
        {"signature": "0" * 40},
        {"nonce": "other"},
        {"timestamp": str(int(time.time()) - 3600)},
        {"echostr": ""},
        {"signature": ""},
    ],
)
def test_url_verification_refuses_anything_else(oa_client, settings, change):
    query = {**signed_args(settings.wechat_oa_token), "echostr": "123", **change}
    assert_json_error(oa_client.get(CALLBACK, query_string=query), 403)


# --- plain mode --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "link"),
    [("一证通查", "service"), ("电话卡", "service"), ("互联网账号", "service"), ("解绑", "guides")],
)
def test_keywords_reply_with_their_link(oa_client, settings, content, link):
    user = new_openid()
    reply = reply_of(post_plain(oa_client, settings, text_xml(user, content, new_msg_id())))
    assert (reply["ToUserName"], reply["FromUserName"], reply["MsgType"]) == (user, ACCOUNT, "text")
    assert links(settings)[link] in reply["Content"]


def test_customer_service_and_the_hotlines_button_give_the_hotline_table(
    oa_client, settings, flask_app
):
    user = new_openid()
    by_text = reply_of(post_plain(oa_client, settings, text_xml(user, "客服", new_msg_id())))[
        "Content"
    ]
    by_menu = reply_of(post_plain(oa_client, settings, event_xml(user, "CLICK", "HOTLINES")))[
        "Content"
    ]
    assert by_text == by_menu and "95017" in by_text
    for hotline in flask_app.extensions["yzt"].catalogue.hotlines:
        assert f"{hotline.name}：{hotline.phone if hotline.confirmed else UNCONFIRMED}" in by_text


def test_events(oa_client, settings):
    user = new_openid()
    welcome = reply_of(post_plain(oa_client, settings, event_xml(user, "subscribe")))["Content"]
    assert "一证通查" in welcome and links(settings)["service"] in welcome
    now = int(time.time())
    guides = reply_of(post_plain(oa_client, settings, event_xml(user, "CLICK", "GUIDES", now + 1)))
    assert links(settings)["guides"] in guides["Content"]
    for event in ("unsubscribe", "VIEW", "a_new_kind_of_event"):
        r = post_plain(oa_client, settings, event_xml(new_openid(), event, "http://x/"))
        assert (r.status_code, r.get_data(as_text=True)) == (200, "success")


def scan_xml(user: str, scene: str, create_time: int) -> str:
    """An existing follower scans a QR code: WeChat's SCAN event, with the code's ticket."""
    return event_xml(user, "SCAN", scene, create_time).replace(
        "</xml>",
        "<Ticket><![CDATA[gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xLzA]]></Ticket></xml>",
    )


def test_an_existing_follower_who_scans_a_qr_code_gets_the_welcome(oa_client, settings):
    user, now = new_openid(), int(time.time())
    welcome = reply_of(post_plain(oa_client, settings, event_xml(user, "subscribe")))["Content"]
    scanned = reply_of(post_plain(oa_client, settings, scan_xml(user, "bj-cy-police-01", now + 1)))
    service = links(settings)["service"]
    # the same welcome, whose link carries the scanned channel (docs/channels.md)
    with_channel = welcome.replace(service, f"{service}?c=bj-cy-police-01")
    assert scanned["Content"] == with_channel and service in welcome
    by_qr = event_xml(new_openid(), "subscribe", "qrscene_bj-cy-police-01", now)  # a new follower
    assert reply_of(post_plain(oa_client, settings, by_qr))["Content"] == with_channel


def test_two_events_of_one_user_in_one_second_are_two_events(oa_client, settings):
    user, now = new_openid(), int(time.time())
    scan = scan_xml(user, "bj-cy-police-01", now)
    click = event_xml(user, "CLICK", "HOTLINES", now)
    guides = event_xml(user, "CLICK", "GUIDES", now)
    assert "一证通查" in reply_of(post_plain(oa_client, settings, scan))["Content"]
    assert "95017" in reply_of(post_plain(oa_client, settings, click))["Content"]
    assert links(settings)["guides"] in reply_of(post_plain(oa_client, settings, guides))["Content"]
    for retried in (scan, click, guides):  # WeChat's retries of each are still answered once
        assert post_plain(oa_client, settings, retried).get_data(as_text=True) == "success"


def test_anything_else_gets_help(oa_client, settings):
    reply = reply_of(post_plain(oa_client, settings, text_xml(new_openid(), "你好", new_msg_id())))
    assert reply["Content"] == HELP


# --- safe mode ---------------------------------------------------------------------------------


def test_safe_mode_message_gets_an_encrypted_reply(oa_client, settings):
    user = new_openid()
    response = post_safe(oa_client, settings, text_xml(user, "一证通查", new_msg_id()))
    assert "Encrypt" in reply_of(response) and "Content" not in reply_of(response)
    reply = open_sealed(crypto_of(settings), response)
    assert (reply["ToUserName"], reply["MsgType"]) == (user, "text")
    assert links(settings)["service"] in reply["Content"]


def test_safe_mode_event(oa_client, settings):
    reply = open_sealed(
        crypto_of(settings), post_safe(oa_client, settings, event_xml(new_openid(), "subscribe"))
    )
    assert "一证通查" in reply["Content"]


def known_answer_app(settings, token: str, aes_key: str, appid: str, timestamp: str):
    """The app as an account with the vector's keys, its clock at the vector's own time."""
    from app import create_app

    account = replace(
        settings, wechat_oa_token=token, wechat_oa_aes_key=aes_key, wechat_oa_appid=appid
    )
    api = build_api(account)
    answer = replace(api.official_account, clock=FixedClock(int(timestamp) + 2))
    return account, create_app(replace(api, official_account=answer)).test_client()


def test_the_official_sample_through_the_callback(settings):
    """WeChat's published Sample.py message, its from_xml posted byte for byte, at its own time
    to an account with its keys: answered, encrypted, to the user inside the ciphertext."""
    sample, client = known_answer_app(
        settings, DECRYPT_TOKEN, SAMPLE_AES_KEY, DECRYPT_APPID, DECRYPT_TIMESTAMP
    )
    query = {
        **sample_args(),
        "signature": signature(DECRYPT_TOKEN, DECRYPT_TIMESTAMP, DECRYPT_NONCE),
    }
    response = client.post(
        CALLBACK, query_string=query, data=SAMPLE_FROM_XML, content_type="text/xml"
    )
    reply = open_sealed(crypto_of(sample), response)
    assert (reply["ToUserName"], reply["FromUserName"]) == (
        "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
        "gh_10f6c3c3ac5a",
    )
    assert reply["Content"] == HELP  # the sample's text is "abcdteT"
    again = client.post(CALLBACK, query_string=query, data=SAMPLE_FROM_XML, content_type="text/xml")
    assert again.get_data(as_text=True) == "success"


def test_wechatpys_own_vector_through_the_callback(settings):
    """wechatpy's tests/test_crypto.py message, posted byte for byte with its msg_signature."""
    account, client = known_answer_app(
        settings, WECHATPY_TOKEN, WECHATPY_AES_KEY, WECHATPY_APPID, WECHATPY_TIMESTAMP
    )
    query = {
        "timestamp": WECHATPY_TIMESTAMP,
        "nonce": WECHATPY_NONCE,
        "encrypt_type": "aes",
        "msg_signature": WECHATPY_MSG_SIGNATURE,
        "signature": signature(WECHATPY_TOKEN, WECHATPY_TIMESTAMP, WECHATPY_NONCE),
    }
    response = client.post(
        CALLBACK, query_string=query, data=WECHATPY_BODY, content_type="text/xml"
    )
    reply = open_sealed(crypto_of(account), response)
    assert (reply["ToUserName"], reply["FromUserName"]) == ("messense", WECHATPY_APPID)
    assert reply["Content"] == HELP  # the vector's text is "test"
    forged = {**query, "msg_signature": "0" * 40}
    r = client.post(CALLBACK, query_string=forged, data=WECHATPY_BODY, content_type="text/xml")
    assert r.status_code == 403


# --- retries and replays ------------------------------------------------------------------------


def test_a_retried_message_is_answered_once(oa_client, settings, redis_client):
    user, msg_id = new_openid(), new_msg_id()
    message = text_xml(user, "客服", msg_id)
    first = post_plain(oa_client, settings, message)
    assert "95017" in reply_of(first)["Content"]
    for _ in range(2):  # WeChat retries up to 3 times
        again = post_plain(oa_client, settings, message)
        assert (again.status_code, again.get_data(as_text=True)) == (200, "success")
    other = post_plain(oa_client, settings, text_xml(user, "客服", new_msg_id()))
    assert "95017" in reply_of(other)["Content"]


def test_a_retried_event_is_answered_once_and_keyed_without_the_openid(
    oa_client, settings, redis_client
):
    user, created = new_openid(), int(time.time())
    event = event_xml(user, "subscribe", create_time=created)
    assert "一证通查" in reply_of(post_plain(oa_client, settings, event))["Content"]
    assert post_plain(oa_client, settings, event).get_data(as_text=True) == "success"
    later = event_xml(user, "CLICK", "GUIDES", create_time=created + 1)
    assert "guides" in reply_of(post_plain(oa_client, settings, later))["Content"]
    keys = [k.decode() for k in redis_client.scan_iter("yzt:oa:seen:*")]
    assert keys and not [k for k in keys if user in k]
    assert all(0 < redis_client.ttl(k) <= 300 for k in keys)


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_a_replayed_or_future_timestamp_is_refused(oa_client, settings, offset):
    stale = signed_args(settings.wechat_oa_token, timestamp=int(time.time()) + offset)
    r = post_plain(oa_client, settings, text_xml(new_openid(), "客服", new_msg_id()), **stale)
    assert_json_error(r, 403)


def test_inside_the_window_is_accepted(oa_client, settings):
    recent = signed_args(settings.wechat_oa_token, timestamp=int(time.time()) - 250)
    r = post_plain(oa_client, settings, text_xml(new_openid(), "客服", new_msg_id()), **recent)
    assert "95017" in reply_of(r)["Content"]


def test_replies_are_fast(oa_client, settings):
    start = time.monotonic()
    for _ in range(20):
        reply_of(post_safe(oa_client, settings, text_xml(new_openid(), "客服", new_msg_id())))
    assert (time.monotonic() - start) / 20 < 0.5  # WeChat waits 5 s


def test_the_links_in_the_replies_lead_to_pages(oa_client, settings):
    for url in links(settings).values():
        path = url.removeprefix(settings.public_url.rstrip("/"))
        assert oa_client.get(path).status_code in (200, 302), path


def test_the_web_oauth_domain_check_file_is_served(oa_client, settings):
    """WeChat fetches MP_verify_<x>.txt from the domain before allowing web OAuth on it."""
    name, content = settings.wechat_web_verify_file.split(":", 1)
    r = oa_client.get(f"/{name}")
    assert (r.status_code, r.get_data(as_text=True), r.mimetype) == (200, content, "text/plain")
    for other in ("/MP_verify_other.txt", "/MP_verify_.txt", "/MP_verify_x.html"):
        r = oa_client.get(other)
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


def test_the_domain_check_file_setting_is_checked_at_start():
    from app.config import ConfigError
    from app.web.official_account import verify_file

    assert verify_file("MP_verify_AbC123.txt:AbC123") == ("MP_verify_AbC123.txt", "AbC123")
    assert verify_file("") is None
    for bad in (
        "MP_verify_x.txt",
        "verify.txt:abc",
        "MP_verify_../x.txt:abc",
        "MP_verify_x.txt:a b",
    ):
        with pytest.raises(ConfigError, match="WECHAT_WEB_VERIFY_FILE"):
            verify_file(bad)
