"""What the cloud SMS adapters share: whether a failed call may still have sent the message."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from urllib.parse import urlsplit

from app.ports.messages import SmsError, SmsUncertain

# requests' words for "the request went out, the answer never came"
_AFTER_SENDING = ("Read timed out", "RemoteDisconnected", "Connection aborted")


def network_error(text: str) -> SmsError:
    """A transport failure: uncertain once the request may have reached the gateway."""
    if any(marker in text for marker in _AFTER_SENDING):
        return SmsUncertain("no answer")
    return SmsError("unreachable")


def split_endpoint(url: str) -> tuple[str, str]:
    """https://dysmsapi.aliyuncs.com -> ("https", "dysmsapi.aliyuncs.com"); a bare host is https."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    return parts.scheme, parts.netloc


class InAThread:
    """The SmsGateway port's send_async for an adapter whose SDK only blocks: `send` runs in a
    thread, off the worker's event loop."""

    def send(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str:
        raise NotImplementedError

    async def send_async(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str:
        return await asyncio.to_thread(self.send, phone, template, params, idempotency_key)
