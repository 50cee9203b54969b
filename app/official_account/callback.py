"""The callback's steps: check the signature and the window, open the message, answer once.

No partner is called on this path: each answer is computed from memory plus one Redis call,
well inside WeChat's 5 seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from wechatpy.crypto import WeChatCrypto

from adapters.wechat_token import SharedTokenClient
from app.config import Settings
from app.official_account.dedupe import SeenMessages
from app.official_account.protocol import (
    Malformed,
    Refused,
    check_request,
    open_plain,
    open_safe,
    seal,
    text_reply,
)
from app.official_account.replies import Replies
from app.ports import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    body: str
    mimetype: str


SUCCESS = Answer("success", "text/plain")  # WeChat's "received, no reply"


@dataclass
class OfficialAccount:
    settings: Settings
    replies: Replies
    seen: SeenMessages
    clock: Clock
    api: SharedTokenClient
    crypto: WeChatCrypto | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        s = self.settings
        if s.wechat_oa_aes_key:
            self.crypto = WeChatCrypto(s.wechat_oa_token, s.wechat_oa_aes_key, s.wechat_oa_appid)

    def verify(self, args: Mapping[str, str]) -> str:
        """URL verification: the echostr back, when the request is signed with our token."""
        self._check(args)
        echostr = args.get("echostr", "")
        if not echostr:
            raise Refused("missing_echostr")
        return echostr

    def answer(self, args: Mapping[str, str], body: bytes) -> Answer:
        now = self._check(args)
        mode = args.get("encrypt_type", "raw") or "raw"
        if mode == "aes":
            if self.crypto is None:
                raise Malformed("safe_mode_not_configured")
            incoming = open_safe(self.crypto, body, args)
        elif mode == "raw":
            incoming = open_plain(body)
        else:
            raise Malformed("unknown_encrypt_type")
        if not self.seen.first_delivery(incoming):
            log.info("wechat retry answered with success", extra={"kind": incoming.kind})
            return SUCCESS
        text = self.replies.for_message(incoming)
        log.info("wechat message", extra={"kind": incoming.kind, "event": incoming.event})
        if text is None:
            return SUCCESS
        reply = text_reply(incoming, text, now)
        if self.crypto is not None and mode == "aes":
            reply = seal(self.crypto, reply, now)
        return Answer(reply, "application/xml")

    def _check(self, args: Mapping[str, str]) -> float:
        # An empty token would make every signature forgeable: refuse everything instead.
        if not self.settings.wechat_oa_token:
            raise Refused("not_configured")
        now = self.clock.now()
        check_request(
            self.settings.wechat_oa_token, args, now, self.settings.wechat_oa_replay_window_s
        )
        return now
