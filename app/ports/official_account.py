"""The official account's side of WeChat: its callback's envelope, and its menu."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from app.domain.official_account import Incoming


class CallbackRefused(Exception):
    """403: not signed by WeChat with our token, or outside the replay window."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class CallbackMalformed(Exception):
    """400: not a message we can read (malformed, hostile or oversized)."""

    def __init__(self, code: str = "invalid_message") -> None:
        super().__init__(code)
        self.code = code


class CallbackEnvelope(Protocol):
    """WeChat's callback protocol: signatures, the replay window, plain and safe (AES) mode."""

    def verify(self, args: Mapping[str, str], now: float) -> str:
        """URL verification: the echostr to answer. Raises CallbackRefused."""
        ...

    def open(self, args: Mapping[str, str], body: bytes, now: float) -> Incoming:
        """The message. Raises CallbackRefused or CallbackMalformed, never anything else."""
        ...

    def reply(self, args: Mapping[str, str], incoming: Incoming, text: str, now: float) -> str:
        """A passive text reply, sealed when the message came in safe mode."""
        ...


class MenuPublisher(Protocol):
    def publish(self, menu: Mapping[str, Any]) -> None:
        """POST /cgi-bin/menu/create. Raises partners.PartnerUnavailable when WeChat fails."""
        ...
