"""The official account's protocol layer (app/official_account/protocol.py), without a server.

Known answers: tests/official_account/samples.py (WeChat's published samples).
"""

from __future__ import annotations

import base64

import pytest
import xmltodict
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.utils import WeChatSigner

from adapters.wechat_callback import (
    cdata_safe,
    check_request,
    open_plain,
    open_safe,
    seal,
    text_reply,
)
from app.domain.official_account import Incoming
from app.ports.official_account import CallbackMalformed, CallbackRefused
from tests.official_account.samples import (
    DECRYPT_APPID,
    DECRYPT_BODY,
    DECRYPT_TOKEN,
    ENCRYPT_APPID,
    ENCRYPT_CIPHERTEXT,
    ENCRYPT_PLAINTEXT,
    ENCRYPT_RANDOM,
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


def signature(token: str, timestamp: str, nonce: str) -> str:
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    return str(signer.signature)


# --- known answers ---------------------------------------------------------------------------


def test_the_official_sample_ciphertext_decrypts_to_its_text_message():
    crypto = WeChatCrypto(DECRYPT_TOKEN, SAMPLE_AES_KEY, DECRYPT_APPID)
    incoming = open_safe(crypto, DECRYPT_BODY, sample_args())
    assert incoming == Incoming(
        kind="text",
        user="oyORnuP8q7ou2gfYjqLzSIWZf0rs",
        account="gh_10f6c3c3ac5a",
        create_time=1409735668,
        msg_id=6054768590064713728,
        content="abcdteT",
    )


def test_the_published_sample_envelope_opens_to_the_same_message():
    """Sample.py's from_xml repeats the plain fields beside Encrypt: only the ciphertext counts."""
    crypto = WeChatCrypto(DECRYPT_TOKEN, SAMPLE_AES_KEY, DECRYPT_APPID)
    assert open_safe(crypto, SAMPLE_FROM_XML, sample_args()) == open_safe(
        crypto, DECRYPT_BODY, sample_args()
    )


def test_wechatpys_vector_decrypts_to_its_text_message():
    crypto = WeChatCrypto(WECHATPY_TOKEN, WECHATPY_AES_KEY, WECHATPY_APPID)
    args = {
        "timestamp": WECHATPY_TIMESTAMP,
        "nonce": WECHATPY_NONCE,
        "msg_signature": WECHATPY_MSG_SIGNATURE,
    }
    incoming = open_safe(crypto, WECHATPY_BODY, args)
    assert (incoming.kind, incoming.user, incoming.content) == ("text", "messense", "test")
    assert (incoming.create_time, incoming.msg_id) == (1411525903, 4363689963896700987)


def test_the_official_sample_is_refused_under_another_token_or_appid():
    other_token = WeChatCrypto("pamtest", SAMPLE_AES_KEY, DECRYPT_APPID)
    with pytest.raises(CallbackRefused):
        open_safe(other_token, DECRYPT_BODY, sample_args())
    other_appid = WeChatCrypto(DECRYPT_TOKEN, SAMPLE_AES_KEY, ENCRYPT_APPID)
    with pytest.raises(CallbackMalformed):
        open_safe(other_appid, DECRYPT_BODY, sample_args())


class FixedRandomPrpCrypto(PrpCrypto):
    def get_random_string(self) -> str:
        return ENCRYPT_RANDOM


def test_encryption_matches_the_official_fixed_random_vector():
    key = base64.b64decode(SAMPLE_AES_KEY + "=")
    assert FixedRandomPrpCrypto(key).encrypt(ENCRYPT_PLAINTEXT, ENCRYPT_APPID).decode() == (
        ENCRYPT_CIPHERTEXT
    )
    assert PrpCrypto(key).decrypt(ENCRYPT_CIPHERTEXT, ENCRYPT_APPID) == ENCRYPT_PLAINTEXT


# --- signatures and the replay window ---------------------------------------------------------


def test_check_request_accepts_a_fresh_signed_request():
    args = signed("tk", "1000", "42")
    check_request("tk", args, now=1000 + 300, window_s=300)
    check_request("tk", args, now=1000 - 300, window_s=300)


def signed(token: str, timestamp: str, nonce: str) -> dict[str, str]:
    return {"signature": signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


@pytest.mark.parametrize(
    ("args", "now", "code"),
    [
        (signed("tk", "1000", "42"), 1301, "stale_timestamp"),
        (signed("tk", "1000", "42"), 699, "stale_timestamp"),
        (signed("xx", "1000", "42"), 1000, "invalid_signature"),
        ({**signed("tk", "1000", "42"), "nonce": "43"}, 1000, "invalid_signature"),
        (signed("tk", "1e3", "42"), 1000, "invalid_signature"),
        ({"timestamp": "1000", "nonce": "42"}, 1000, "invalid_signature"),
        ({}, 1000, "invalid_signature"),
    ],
)
def test_check_request_refuses(args, now, code):
    with pytest.raises(CallbackRefused) as refused:
        check_request("tk", args, now=now, window_s=300)
    assert refused.value.code == code


# --- reading messages -------------------------------------------------------------------------


def xml_message(**fields: str) -> bytes:
    nodes = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    return f"<xml>{nodes}</xml>".encode()


BASE = {"ToUserName": "gh_account", "FromUserName": "o_user-1", "CreateTime": "1700000000"}


def test_open_plain_reads_text_and_events():
    text = open_plain(xml_message(**BASE, MsgType="text", Content=" 客服 ", MsgId="77"))
    # xmltodict strips surrounding whitespace
    assert (text.kind, text.content, text.msg_id, text.user) == ("text", "客服", 77, "o_user-1")
    click = open_plain(xml_message(**BASE, MsgType="event", Event="CLICK", EventKey="GUIDES"))
    assert (click.kind, click.event, click.key, click.msg_id) == ("event", "click", "GUIDES", 0)
    scan = open_plain(
        xml_message(**BASE, MsgType="event", Event="SCAN", EventKey="ch-1", Ticket="t")
    )
    assert (scan.event, scan.key) == ("scan", "ch-1")  # wechatpy calls the EventKey scene_id
    qr = open_plain(
        xml_message(**BASE, MsgType="event", Event="subscribe", EventKey="qrscene_ch-1")
    )
    assert (qr.event, qr.key) == ("subscribe_scan", "ch-1")


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(2, 10))
    + "]><xml><Content>&lol9;</Content></xml>"
).replace("&lol1;", "&lol;")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<xml>",
        xml_message(**BASE, MsgType="text", Content="hi")[:-7],
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<xml><MsgType>text</MsgType><Content>&e;</Content></xml>",
        BILLION_LAUGHS.encode(),
        b"<xml><MsgType>text</MsgType><Content>&undefined;</Content></xml>",
        "<xml><Content>中文</Content></xml>".encode("gbk"),
        b"\xff\xfe<\x00x\x00m\x00l\x00>\x00",
        b"<other><MsgType>text</MsgType></other>",
        b"<xml>just text</xml>",
        xml_message(ToUserName="gh_a", FromUserName="o_b", MsgType="text"),  # no CreateTime
        xml_message(**{**BASE, "CreateTime": "yesterday"}, MsgType="text", Content="x"),
        xml_message(**BASE, MsgType="text", Content="x", MsgId="not-a-number"),
        xml_message(**BASE, MsgType="text", Content="x", MsgId="-1"),
        xml_message(**BASE, MsgType="text", Content="x", MsgId="9" * 40),
        xml_message(**{**BASE, "FromUserName": "o]]><x>"}, MsgType="text", Content="x"),
        b"<xml><ToUserName>gh_a</ToUserName><FromUserName>o_b</FromUserName>"
        b"<CreateTime>1</CreateTime><MsgType>text</MsgType><Content><b>x</b></Content></xml>",
    ],
)
def test_open_plain_refuses_malformed_or_hostile_xml(body):
    with pytest.raises(CallbackMalformed):
        open_plain(body)


# --- replies ---------------------------------------------------------------------------------


def test_cdata_split_keeps_the_text_intact():
    incoming = Incoming("text", "o_user", "gh_account", 1, 5)
    hostile = "a]]><MsgType>news</MsgType>]]>b"
    reply = xmltodict.parse(text_reply(incoming, hostile, now=1700000000))["xml"]
    assert reply["Content"] == hostile
    assert reply["MsgType"] == "text"
    assert (reply["ToUserName"], reply["FromUserName"]) == ("o_user", "gh_account")
    assert cdata_safe("no marker") == "no marker"


def test_sealed_reply_opens_with_wechats_own_crypto():
    crypto = WeChatCrypto("tk", SAMPLE_AES_KEY, "wx_test")
    incoming = Incoming("text", "o_user", "gh_account", 1, 5)
    envelope = xmltodict.parse(
        seal(crypto, text_reply(incoming, "你好]]>", 1700000000), 1700000000)
    )
    fields = envelope["xml"]
    plain = crypto.decrypt_message(
        {"Encrypt": fields["Encrypt"]}, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
    )
    assert xmltodict.parse(plain)["xml"]["Content"] == "你好]]>"
