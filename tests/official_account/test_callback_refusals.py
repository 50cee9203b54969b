"""/wechat/official/callback refuses what is not a signed, well-formed WeChat message: 403 for
bad signatures, 400 fast for malformed, hostile, garbled or oversized bodies; JSON, never HTML."""

from __future__ import annotations

import io
import time
from dataclasses import replace

import pytest
import xmltodict

from tests.official_account.wechat import (
    CALLBACK,
    assert_json_error,
    crypto_of,
    new_msg_id,
    new_openid,
    post_plain,
    signature,
    signed_args,
    text_xml,
)


@pytest.fixture(scope="module")
def oa_client(flask_app):
    return flask_app.test_client()


@pytest.mark.parametrize(
    "change", [{"signature": "0" * 40}, {"signature": ""}, {"nonce": "1"}, {"timestamp": "abc"}]
)
def test_a_bad_signature_is_refused(oa_client, settings, change):
    r = post_plain(oa_client, settings, text_xml(new_openid(), "客服", new_msg_id()), **change)
    assert_json_error(r, 403)


def test_a_bad_msg_signature_is_refused(oa_client, settings):
    query = {
        **signed_args(settings.wechat_oa_token),
        "encrypt_type": "aes",
        "msg_signature": "f" * 40,
    }
    body = "<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>"
    assert_json_error(oa_client.post(CALLBACK, query_string=query, data=body), 403)


HOSTILE = [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
    b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><xml>&c;</xml>',
    b"<xml><ToUserName>gh_a</ToUserName><MsgType>text</MsgType",
    b"<xml>\xff\xfe\xfa</xml>",
    b"",
    b"not xml at all",
    b"<xml><MsgType>text</MsgType></xml>",
]


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_or_malformed_xml_is_a_fast_400(oa_client, settings, body):
    start = time.monotonic()
    r = post_plain(oa_client, settings, body)
    assert time.monotonic() - start < 1
    assert_json_error(r, 400)


def safe_envelope(settings, encrypt: str):
    query = signed_args(settings.wechat_oa_token)
    msg_signature = signature(settings.wechat_oa_token, query["timestamp"], query["nonce"], encrypt)
    query.update(encrypt_type="aes", msg_signature=msg_signature)
    return query, f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()


def good_ciphertext(settings, appid=None) -> str:
    crypto = crypto_of(replace(settings, wechat_oa_appid=appid or settings.wechat_oa_appid))
    xml = crypto.encrypt_message(text_xml(new_openid(), "客服", new_msg_id()), "1", "1")
    return str(xmltodict.parse(xml)["xml"]["Encrypt"])


@pytest.mark.parametrize(
    "garble",
    [
        lambda c: c[: len(c) // 2],  # truncated
        lambda c: c[:-8] + "AAAAAAA=",  # last block garbled: bad padding and appid
        lambda c: c[:-1],  # not a multiple of the block size
        lambda c: "!!!" + c[3:],  # not base64
        lambda c: "A" * 44,  # decrypts to garbage
    ],
)
def test_garbled_ciphertext_is_a_400(oa_client, settings, garble):
    query, body = safe_envelope(settings, garble(good_ciphertext(settings)))
    assert_json_error(oa_client.post(CALLBACK, query_string=query, data=body), 400)


def test_a_message_for_another_account_is_a_400(oa_client, settings):
    query, body = safe_envelope(settings, good_ciphertext(settings, appid="wx_another_account"))
    assert_json_error(oa_client.post(CALLBACK, query_string=query, data=body), 400)


def test_an_oversized_body_is_a_400_not_a_413(oa_client, settings):
    big = text_xml(new_openid(), "客" * 12000, new_msg_id())
    r = post_plain(oa_client, settings, big)
    assert_json_error(r, 400)
    assert r.get_json()["error"]["code"] == "message_too_large"
    assert b"<html" not in r.get_data().lower()


def test_the_callback_answers_other_methods_in_json(oa_client):
    assert_json_error(oa_client.put(CALLBACK, data="x"), 405)


def test_an_oversized_chunked_body_is_a_400(oa_client, settings):
    """Chunked bodies carry no Content-Length: the limit still holds while reading."""
    big = text_xml(new_openid(), "客" * 12000, new_msg_id()).encode()
    r = oa_client.post(
        CALLBACK,
        query_string=signed_args(settings.wechat_oa_token),
        input_stream=io.BytesIO(big),
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_json_error(r, 400)
    assert r.get_json()["error"]["code"] == "message_too_large"


def test_without_a_token_everything_is_refused(settings):
    """An empty WECHAT_OA_TOKEN would make signatures forgeable: nothing gets through."""
    from app import create_app

    client = create_app(replace(settings, wechat_oa_token="")).test_client()
    forged = signed_args("")
    assert_json_error(client.get(CALLBACK, query_string={**forged, "echostr": "1"}), 403)
    body = text_xml(new_openid(), "客服", new_msg_id())
    assert_json_error(client.post(CALLBACK, query_string=forged, data=body), 403)


def test_safe_mode_without_an_aes_key_is_a_400(settings):
    from app import create_app

    client = create_app(replace(settings, wechat_oa_aes_key="")).test_client()
    query = {**signed_args(settings.wechat_oa_token), "encrypt_type": "aes", "msg_signature": "x"}
    body = "<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>"
    assert_json_error(client.post(CALLBACK, query_string=query, data=body), 400)
