"""The PlatformNotifier port: the ticket's platform picks the channel that tells the user.

- `wechat` (mini-program): a subscribe message (订阅消息), adapters/notices/wechat.py;
- the H5 pages' WeChat web users: an official-account template message (模板消息), same module;
- `alipay`: a mini-program template message through `server_api`, adapters/notices/alipay.py.

A platform without a configured template has no channel: its users get no notice, and nothing
fails. Channels raise the port's NoticeError; the recipient never goes into an error or a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from app.ports.messages import Notice


class Channel(Protocol):
    def send(self, recipient: str, notice: Notice) -> None: ...


class PlatformNotices:
    def __init__(self, channels: Mapping[str, Channel]) -> None:
        self._channels = dict(channels)

    def send(self, platform: str, recipient: str, notice: Notice) -> bool:
        channel = self._channels.get(platform)
        if channel is None:
            return False
        channel.send(recipient, notice)
        return True
