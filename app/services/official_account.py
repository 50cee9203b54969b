"""Use case: answer the official account's callback. Check it came from WeChat, open the
message, answer it once (WeChat delivers again what it thinks was lost).

No partner is called on this path: each answer is computed from memory plus one Redis call (two
for a QR-code scan, which is counted in its channel's funnel), well inside WeChat's 5 seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.channels import UNKNOWN, FunnelStage
from app.domain.hashing import KeyedHasher
from app.domain.official_account import delivery_mark, scanned_scene
from app.ports.official_account import CallbackEnvelope
from app.ports.runtime import Clock
from app.ports.state import Funnel, SeenMessages
from notices.replies import Replies

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    body: str
    mimetype: str


SUCCESS = Answer("success", "text/plain")  # WeChat's "received, no reply"


@dataclass(frozen=True)
class AnswerCallback:
    envelope: CallbackEnvelope
    seen: SeenMessages
    replies: Replies
    hasher: KeyedHasher
    clock: Clock
    funnel: Funnel

    def verify(self, args: Mapping[str, str]) -> str:
        """URL verification: the echostr back, when the request is signed with our token."""
        return self.envelope.verify(args, self.clock.now())

    def answer(self, args: Mapping[str, str], body: bytes) -> Answer:
        now = self.clock.now()
        incoming = self.envelope.open(args, body, now)
        if not self.seen.first_time(delivery_mark(incoming, self.hasher)):
            log.info("wechat retry answered with success", extra={"kind": incoming.kind})
            return SUCCESS
        text = self.replies.for_message(incoming)
        scene = scanned_scene(incoming)
        if scene is not None:  # counted once: WeChat's retries were answered above
            counted = self.funnel.arrive(scene or UNKNOWN, FunnelStage.SCANS, now)
            text = self.replies.welcome_for(scene)
            log.info("qr code scanned", extra={"event": incoming.event, "channel": counted})
        log.info("wechat message", extra={"kind": incoming.kind, "event": incoming.event})
        if text is None:
            return SUCCESS
        return Answer(self.envelope.reply(args, incoming, text, now), "application/xml")
