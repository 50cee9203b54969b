"""What WeChat's servers send to the callback, built the way WeChat builds it (wechatpy's own
WeChatSigner and WeChatCrypto), and how to read the answers."""

from __future__ import annotations

import secrets
import time
from typing import Any

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from app.config import Settings

CALLBACK = "/wechat/official/callback"
ACCOUNT = "gh_0123456789ab"


def new_openid() -> str:
    return "oYzt" + secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")


def new_msg_id() -> int:
    return secrets.randbits(62) + 1


def signature(token: str, *parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return str(signer.signature)


def signed_args(
    token: str, timestamp: int | None = None, nonce: str | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or str(secrets.randbelow(10**9))
    return {"signature": signature(token, ts, nonce), "timestamp": ts, "nonce": nonce}


def text_xml(user: str, content: str, msg_id: int, create_time: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(user: str, event: str, key: str = "", create_time: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
        f"<EventKey><![CDATA[{key}]]></EventKey></xml>"
    )


def crypto_of(settings: Settings) -> WeChatCrypto:
    return WeChatCrypto(
        settings.wechat_oa_token, settings.wechat_oa_aes_key, settings.wechat_oa_appid
    )


def post_plain(client: Any, settings: Settings, xml: str | bytes, **args: str) -> Any:
    query = {**signed_args(settings.wechat_oa_token), **args}
    body = xml.encode() if isinstance(xml, str) else xml
    return client.post(CALLBACK, query_string=query, data=body, content_type="text/xml")


def post_safe(client: Any, settings: Settings, xml: str) -> Any:
    """Encrypted by wechatpy exactly as WeChat's servers do in safe mode."""
    query = signed_args(settings.wechat_oa_token)
    envelope = xmltodict.parse(
        crypto_of(settings).encrypt_message(xml, query["nonce"], query["timestamp"])
    )
    fields = envelope["xml"]
    body = (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>"
    )
    query.update(encrypt_type="aes", msg_signature=fields["MsgSignature"])
    return client.post(CALLBACK, query_string=query, data=body.encode(), content_type="text/xml")


def reply_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    return xmltodict.parse(response.get_data(as_text=True))["xml"]


def open_sealed(crypto: WeChatCrypto, response: Any) -> dict[str, Any]:
    """A safe-mode reply, checked and decrypted the way WeChat does."""
    fields = reply_of(response)
    plain = crypto.decrypt_message(
        {"Encrypt": fields["Encrypt"]}, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
    )
    return xmltodict.parse(plain)["xml"]


def assert_json_error(response: Any, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and response.get_json()["error"]["code"]
