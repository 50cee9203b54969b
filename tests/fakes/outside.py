"""Fakes of the ports that reach outside: the SMS gateway, the platforms' logins and notices,
the partners, and the task queue."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.forms import QueryForm
from app.domain.outcomes import CardsAnswer, OwnerAnswer
from app.domain.providers import Company, Operator
from app.ports.identity import LoginRejected, PlatformUser
from app.ports.messages import Notice, SmsError
from app.ports.partners import PartnerUnavailable


@dataclass(frozen=True)
class SentSms:
    phone: str
    template: str
    params: dict[str, str]
    idempotency_key: str


class FakeSms:
    """Records every accepted message; fails the next `fail_times` sends with `error`.

    With idempotent=True it behaves like a gateway that dedupes on the idempotency key
    (Alibaba Cloud's OutId): a repeated key is accepted and not sent again.
    """

    def __init__(
        self, fail_times: int = 0, error: type[SmsError] = SmsError, idempotent: bool = False
    ) -> None:
        self.fail_times = fail_times
        self.error = error
        self.idempotent = idempotent
        self.sent: list[SentSms] = []
        self.attempts = 0

    def send(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str:
        self.attempts += 1
        if self.fail_times > 0:
            self.fail_times -= 1
            raise self.error("gateway refused")
        if self.idempotent and any(s.idempotency_key == idempotency_key for s in self.sent):
            return f"msg-{idempotency_key}"
        self.sent.append(SentSms(phone, template, dict(params), idempotency_key))
        return f"msg-{len(self.sent)}"

    async def send_async(
        self, phone: str, template: str, params: Mapping[str, str], idempotency_key: str
    ) -> str:
        return self.send(phone, template, params, idempotency_key)

    def last_code(self) -> str:
        codes = [s.params["code"] for s in self.sent if s.template.startswith("code_")]
        assert codes, "no code SMS was sent"
        return codes[-1]


class FakeIdentity:
    def __init__(self, users: Mapping[str, PlatformUser] | None = None) -> None:
        self.users = dict(users or {})

    def login(self, platform: str, code: str) -> PlatformUser:
        user = self.users.get(code)
        if user is None or user.platform != platform:
            raise LoginRejected(code)
        return user


@dataclass(frozen=True)
class Scheduled:
    ticket_id: str
    attempt: int
    token: str
    delay_s: float


@dataclass(frozen=True)
class Task:
    task: str
    key: str
    attempt: int = 0
    token: str = ""
    delay_s: float = 0.0


class FakeQueue:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.enqueued: list[str] = []
        self.scheduled: list[Scheduled] = []  # retries of throttled result SMS
        self.tasks: list[Task] = []  # the report tasks

    def enqueue_run_query(self, ticket_id: str) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.enqueued.append(ticket_id)

    def schedule_run_query(self, ticket_id: str, attempt: int, token: str, delay_s: float) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.scheduled.append(Scheduled(ticket_id, attempt, token, delay_s))

    def depth(self) -> tuple[int, int]:
        return len(self.enqueued), 0

    def enqueue_task(
        self, task: str, key: str, attempt: int = 0, token: str = "", delay_s: float = 0.0
    ) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.tasks.append(Task(task, key, attempt, token, delay_s))


@dataclass(frozen=True)
class Hang:
    """A canned answer that never comes in time: the partner sleeps this long first."""

    seconds: float = 30.0


DOWN = PartnerUnavailable("canned: partner down")


@dataclass
class FakePartners:
    """Operators and Platforms from canned answers per partner id.

    A value may be the answer, an exception instance (raised), or a Hang.
    """

    cards: dict[str, CardsAnswer | BaseException | Hang] = field(default_factory=dict)
    owners: dict[str, OwnerAnswer | BaseException | Hang] = field(default_factory=dict)
    counts: dict[str, dict[str, int] | BaseException | Hang] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    # 非本人 reports: what each operator does with one (None: takes it), and what it took
    reports: dict[str, BaseException | Hang | None] = field(default_factory=dict)
    received: list[tuple[str, str, str, tuple[str, ...]]] = field(default_factory=list)

    async def _answer(self, kind: str, table: Mapping[str, Any], partner_id: str) -> Any:
        self.calls.append((kind, partner_id))
        answer = table.get(partner_id, DOWN)
        if isinstance(answer, Hang):
            await asyncio.sleep(answer.seconds)
            raise PartnerUnavailable("hung partner woke up")
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def query_cards(self, operator: Operator, form: QueryForm) -> CardsAnswer:
        answer: CardsAnswer = await self._answer("cards", self.cards, operator.id)
        return answer

    async def verify_owner(self, operator: Operator, phone: str, id_last6: str) -> OwnerAnswer:
        answer: OwnerAnswer = await self._answer("owner", self.owners, operator.id)
        return answer

    async def forward_report(
        self, operator: Operator, reference: str, report_id: str, keep: Sequence[str]
    ) -> None:
        if operator.id in self.reports:  # else it takes the report
            await self._answer("report", self.reports, operator.id)
        else:
            self.calls.append(("report", operator.id))
        self.received.append((operator.id, reference, report_id, tuple(keep)))

    async def count_accounts(self, company: Company, phone: str) -> dict[str, int]:
        answer: dict[str, int] = await self._answer("count", self.counts, company.id)
        return dict(answer)


class FakeNotifier:
    """The PlatformNotifier port: records notices; raises `error` (a NoticeError) when set.

    `platforms` are the ones with a channel; others get False, like a platform without a
    configured template.
    """

    def __init__(
        self, error: Exception | None = None, platforms: Sequence[str] = ("wechat", "alipay")
    ) -> None:
        self.error = error
        self.platforms = tuple(platforms)
        self.sent: list[tuple[str, str, Notice]] = []
        self.attempts = 0

    def send(self, platform: str, recipient: str, notice: Notice) -> bool:
        self.attempts += 1
        if self.error is not None:
            raise self.error
        if platform not in self.platforms:
            return False
        self.sent.append((platform, recipient, notice))
        return True


class FakeQrMaker:
    """A platform's QR-code API: counts its calls, fails while `down` (or with `error`)."""

    def __init__(self, kind: Any, variant: str = "v1", down: bool = False) -> None:
        self.kind, self.variant, self.down = kind, variant, down
        self.calls: list[str] = []
        self.error: Exception | None = None

    def make(self, channel_id: str) -> bytes:
        self.calls.append(channel_id)
        if self.error is not None:
            raise self.error
        if self.down:
            raise PartnerUnavailable("platform down")
        return b"\x89PNG\r\n\x1a\n" + f"{self.kind}:{channel_id}".encode()
