"""What reaches the user besides the API's answers: the SMS gateway and the platform notices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


class SmsError(Exception):
    """The SMS gateway did not take the message."""


class SmsThrottled(SmsError):
    """The gateway refuses: too many messages to this number for now. `retry_after_s` is the
    wait the provider's answer suggests (its limit's window), else a minute."""

    def __init__(self, code: str, retry_after_s: int = 60) -> None:
        super().__init__(code)
        self.retry_after_s = retry_after_s


class SmsUncertain(SmsError):
    """The gateway may have taken the message (no answer after sending): resending may double it."""


class SmsGateway(Protocol):
    """A registered template and its short parameters to one phone (notices/sms.py)."""

    @property
    def idempotent(self) -> bool:
        """Whether the gateway dedupes on the idempotency key: then a task delivered again may
        resend without making two messages (app/services/delivery.py)."""
        ...

    def send(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str:
        """The code SMS, from the API's request thread. The gateway's message id."""
        ...

    async def send_async(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str:
        """The result SMS, on the worker's event loop (a cloud SDK's adapter runs `send` in a
        thread)."""
        ...


class NoticeError(Exception):
    """The platform did not take the notice. `reason` is one word, fit for logs and counters."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoticeRefused(NoticeError):
    """Refused for good: no authorisation left (43101), a bad template, field or user."""


class NoticeUnavailable(NoticeError):
    """Unreachable, failing, or its token refused even after a refresh."""


@dataclass(frozen=True)
class Notice:
    """What a platform notice says (notices/platform.py): short values, never a count."""

    ticket_id: str
    values: Mapping[str, str]  # service, status, phone (masked), time, remark


class PlatformNotifier(Protocol):
    def send(self, platform: str, recipient: str, notice: Notice) -> bool:
        """Send to the user (openid / user_id) on their platform. False: that channel is off.

        Raises NoticeError when the platform does not take it.
        """
        ...
