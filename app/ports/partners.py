"""The operators and the internet companies, through the partner protocol."""

from __future__ import annotations

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


class Platforms(Protocol):
    async def count_accounts(self, company: Company, phone: str) -> dict[str, int]: ...
