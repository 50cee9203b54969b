"""What the official account's callback reads from a WeChat message, and how a message is known
again when WeChat delivers it twice (api.md, "WeChat official account")."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.channels import is_channel_id
from app.domain.hashing import KeyedHasher

# A QR-code scan: a new follower's subscribe with EventKey qrscene_<id> (wechatpy names it
# subscribe_scan and strips the prefix), an existing follower's SCAN with EventKey <id>.
QR_SCAN_EVENTS = ("subscribe_scan", "scan")


@dataclass(frozen=True)
class Incoming:
    """What the replies need from a message, read and checked once."""

    kind: str  # text | event | image | ... | unknown
    user: str  # FromUserName: the user's openid
    account: str  # ToUserName: the official account's gh_ id
    create_time: int
    msg_id: int  # 0 for events
    event: str = ""  # subscribe | subscribe_scan | scan | click | view | ...
    key: str = ""  # EventKey: a CLICK's key, a QR code's scene (without qrscene_)
    content: str = ""  # a text message's text


def delivery_mark(incoming: Incoming, hasher: KeyedHasher) -> str:
    """The same for every delivery of one message, different for any other message.

    A message has its MsgId. Events have none: FromUserName + CreateTime + Event + EventKey
    (api.md), so two events of one user in one second (a scan, then a menu click) are two. The
    openid and the event are keyed hashes: an EventKey is whatever a QR code or menu carries.
    """
    if incoming.msg_id:
        return f"m:{incoming.msg_id}"
    openid_h = hasher.identifier("openid", incoming.user)
    event_h = hasher.identifier("oa-event", f"{incoming.event}\n{incoming.key}")[:12]
    return f"o:{openid_h}:{incoming.create_time}:{event_h}"


def scanned_scene(incoming: Incoming) -> str | None:
    """None when the message is no QR-code scan; else the channel its scene names, or "" for a
    scene that cannot be a channel id (a code made elsewhere): that scan counts as unknown."""
    if incoming.kind != "event" or incoming.event not in QR_SCAN_EVENTS:
        return None
    return incoming.key if is_channel_id(incoming.key) else ""
