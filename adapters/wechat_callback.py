"""The CallbackEnvelope port: WeChat's callback protocol, through wechatpy. Signatures, the
replay window, plain and safe (AES) envelopes, and CDATA-safe passive replies.

Every bad input ends as one of two exceptions: CallbackRefused (403: not from WeChat, or too
old) or CallbackMalformed (400: not a message we can read). Nothing else escapes, so a hostile
body can never become a 500.
"""

from __future__ import annotations

import re
import secrets
import struct
from collections.abc import Mapping
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from app.domain.official_account import Incoming
from app.ports.official_account import CallbackMalformed, CallbackRefused

# A DTD is never part of a WeChat message; refusing it outright keeps entity tricks (XXE,
# billion laughs) away from the parser. xmltodict also refuses entities, as a second line.
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# openids and gh_ account ids: plain tokens, so they can never break out of a CDATA section
_USER_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DIGITS = re.compile(r"[0-9]{1,12}")
# what wechatpy and the crypto backend raise on garbage (bad base64, short or odd-length
# ciphertext, bad padding, wrong appid inside, non-UTF-8 plaintext, wrong XML shape)
_UNREADABLE = (
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    struct.error,
    ExpatError,
    InvalidAppIdException,
)


def check_request(token: str, args: Mapping[str, str], now: float, window_s: int) -> None:
    """The query string's signature over (token, timestamp, nonce), and the replay window."""
    signature, timestamp, nonce = (args.get(k, "") for k in ("signature", "timestamp", "nonce"))
    if not (signature and nonce and _DIGITS.fullmatch(timestamp)):
        raise CallbackRefused("invalid_signature")
    try:
        check_signature(token, signature, timestamp, nonce)
    except InvalidSignatureException:
        raise CallbackRefused("invalid_signature") from None
    if abs(now - int(timestamp)) > window_s:
        raise CallbackRefused("stale_timestamp")


def open_plain(body: bytes) -> Incoming:
    return read(_parse_message(_text_of(body)))


def open_safe(crypto: WeChatCrypto, body: bytes, args: Mapping[str, str]) -> Incoming:
    """A safe-mode envelope: check msg_signature over the ciphertext, then decrypt and read."""
    envelope = _xml_root(_text_of(body))
    encrypt = envelope.get("Encrypt")
    if not isinstance(encrypt, str) or not encrypt:
        raise CallbackMalformed()
    msg_signature = args.get("msg_signature", "")
    if not msg_signature:
        raise CallbackRefused("invalid_signature")
    try:
        plain = crypto.decrypt_message(
            {"Encrypt": encrypt}, msg_signature, args.get("timestamp", ""), args.get("nonce", "")
        )
    except InvalidSignatureException:
        raise CallbackRefused("invalid_signature") from None
    except _UNREADABLE:
        raise CallbackMalformed() from None
    return read(_parse_message(_guard(plain)))


def read(message: Any) -> Incoming:
    """The fields we use, type-checked: wechatpy converts lazily and trusts the XML."""
    try:
        user, account = message.source, message.target
        incoming = Incoming(
            kind=str(message.type),
            user=user if isinstance(user, str) else "",
            account=account if isinstance(account, str) else "",
            create_time=int(message.time),
            msg_id=int(message.id),
            event=str(getattr(message, "event", "") or "").lower(),
            key=_event_key(message),
            content=_text_field(getattr(message, "content", "")),
        )
    except _UNREADABLE:
        raise CallbackMalformed() from None
    if not (_USER_NAME.fullmatch(incoming.user) and _USER_NAME.fullmatch(incoming.account)):
        raise CallbackMalformed()
    if not (0 <= incoming.msg_id < 2**64 and 0 <= incoming.create_time < 2**32):
        raise CallbackMalformed()
    return incoming


def text_reply(incoming: Incoming, text: str, now: float) -> str:
    """A passive text reply. wechatpy puts the text into CDATA unescaped, so `]]>` is split."""
    reply = TextReply(
        source=incoming.account, target=incoming.user, content=cdata_safe(text), time=int(now)
    )
    return str(reply.render())


def cdata_safe(text: str) -> str:
    """`]]>` would end the CDATA section early: close it after `]]` and reopen before `>`."""
    return text.replace("]]>", "]]]]><![CDATA[>")


def seal(crypto: WeChatCrypto, reply_xml: str, now: float) -> str:
    """The reply encrypted for safe mode, with our own nonce (never an echo of the request's)."""
    nonce = str(secrets.randbelow(10**10))
    return str(crypto.encrypt_message(reply_xml, nonce, str(int(now))))


def _text_of(body: bytes) -> str:
    try:
        return _guard(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise CallbackMalformed() from None


def _guard(xml: str) -> str:
    if _DTD.search(xml):
        raise CallbackMalformed()
    return xml


def _xml_root(xml: str) -> dict[str, Any]:
    try:
        root = xmltodict.parse(xml)["xml"]
    except _UNREADABLE:
        raise CallbackMalformed() from None
    if not isinstance(root, dict):
        raise CallbackMalformed()
    return root


def _parse_message(xml: str) -> Any:
    try:
        message = parse_message(xml)
    except _UNREADABLE:
        raise CallbackMalformed() from None
    if message is None:
        raise CallbackMalformed()
    return message


def _event_key(message: Any) -> str:
    """EventKey: wechatpy names it `key` on most events and `scene_id` on QR-code scans."""
    key = _text_field(getattr(message, "key", ""))
    return key or _text_field(getattr(message, "scene_id", ""))


def _text_field(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


class WeChatCallback:
    """One official account's callback: its token, its EncodingAESKey, its replay window."""

    def __init__(self, token: str, aes_key: str, appid: str, replay_window_s: int) -> None:
        self._token, self._window_s = token, replay_window_s
        self._crypto = WeChatCrypto(token, aes_key, appid) if aes_key else None

    def verify(self, args: Mapping[str, str], now: float) -> str:
        self._check(args, now)
        echostr = args.get("echostr", "")
        if not echostr:
            raise CallbackRefused("missing_echostr")
        return echostr

    def open(self, args: Mapping[str, str], body: bytes, now: float) -> Incoming:
        self._check(args, now)
        mode = args.get("encrypt_type", "raw") or "raw"
        if mode == "aes":
            if self._crypto is None:
                raise CallbackMalformed("safe_mode_not_configured")
            return open_safe(self._crypto, body, args)
        if mode == "raw":
            return open_plain(body)
        raise CallbackMalformed("unknown_encrypt_type")

    def reply(self, args: Mapping[str, str], incoming: Incoming, text: str, now: float) -> str:
        reply = text_reply(incoming, text, now)
        if self._crypto is not None and args.get("encrypt_type") == "aes":
            reply = seal(self._crypto, reply, now)
        return reply

    def _check(self, args: Mapping[str, str], now: float) -> None:
        # An empty token would make every signature forgeable: refuse everything instead.
        if not self._token:
            raise CallbackRefused("not_configured")
        check_request(self._token, args, now, self._window_s)
