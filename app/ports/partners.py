"""The operators and the internet companies, through the partner protocol."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.domain.forms import QueryForm
from app.domain.outcomes import CardsAnswer, OwnerAnswer
from app.domain.providers import Company, Operator


class PartnerUnavailable(Exception):
    """The partner did not answer usefully (timeout, 5xx, bad body) after retries."""


class PartnerRejected(Exception):
    """The partner refused the request (4xx): retrying will not help."""


class Operators(Protocol):
    async def query_cards(self, operator: Operator, form: QueryForm) -> CardsAnswer: ...

    async def verify_owner(self, operator: Operator, phone: str, id_last6: str) -> OwnerAnswer: ...

    async def forward_report(
        self, operator: Operator, reference: str, report_id: str, keep: Sequence[str]
    ) -> None:
        """A 非本人 report: the operator's reference to the query, our report id and the
        endings the user keeps. PartnerRejected: the operator refuses it (an unknown or
        expired reference)."""
        ...


class Platforms(Protocol):
    async def count_accounts(self, company: Company, phone: str) -> dict[str, int]: ...


@dataclass(frozen=True)
class CallCheck:
    """A signed call from a partner, checked: its reason when refused."""

    reason: str = ""  # missing_headers | stale_timestamp | bad_signature; "": it holds
    partner: str = ""  # who signed it: the key id
    nonce: str = ""
    timestamp: int = 0

    @property
    def ok(self) -> bool:
        return not self.reason


class SignedCalls(Protocol):
    """Calls partners make to us, signed as ours to them (docs/partner-protocol.md)."""

    @property
    def replay_window_s(self) -> int: ...

    def check(self, path: str, headers: Mapping[str, str], body: bytes, now: float) -> CallCheck:
        """Signature and timestamp under the key of the partner the key id names; the nonce
        is the caller's to check."""
        ...
