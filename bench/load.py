"""The load generator: asyncio + aiohttp, every phase bounded in time or count."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from stdnum.cn import ric


@dataclass
class Person:
    service: str
    id_number: str
    name: str
    phone: str
    code: str = ""
    submitted_at: float = 0.0
    ticket: str = ""

    def form(self) -> dict[str, Any]:
        if self.service == "phone_cards":
            return {
                "service": "phone_cards",
                "name": self.name,
                "id_number": self.id_number,
                "phone": self.phone,
                "agree": True,
            }
        return {
            "service": "internet_accounts",
            "phone": self.phone,
            "id_last6": self.id_number[-6:],
            "agree": True,
        }


@dataclass
class PhaseResult:
    done: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.done / self.elapsed_s if self.elapsed_s else 0.0


def make_people(count: int, seed: int) -> list[Person]:
    rng = random.Random(seed)
    people = []
    for i in range(count):
        body = f"110105{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        body += f"{rng.randint(0, 999):03d}"
        people.append(
            Person(
                service="phone_cards" if i % 2 == 0 else "internet_accounts",
                id_number=body + ric.calc_check_digit(body + "0"),
                name="测试" + "甲乙丙丁戊己庚辛壬癸"[i % 10],
                phone=f"13{rng.randint(5, 9)}{rng.randint(0, 99_999_999):08d}",
            )
        )
    return people


async def run_pool(
    items: list[Any], concurrency: int, job: Callable[[Any], Awaitable[int]]
) -> PhaseResult:
    """Do every item with `concurrency` in flight; job returns the HTTP status."""
    result, queue = PhaseResult(), asyncio.Queue[Any]()
    for item in items:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty():
            status = await job(queue.get_nowait())
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                result.done += 1
            else:
                result.errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed_s = time.perf_counter() - start
    return result


async def run_for(
    duration_s: float, concurrency: int, job: Callable[[], Awaitable[int]]
) -> PhaseResult:
    """Repeat `job` with `concurrency` in flight for `duration_s` seconds (closed loop)."""
    result = PhaseResult()
    deadline = time.perf_counter() + duration_s

    async def worker() -> None:
        while time.perf_counter() < deadline:
            status = await job()
            result.done += 200 <= status < 300
            result.errors += not 200 <= status < 300

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed_s = time.perf_counter() - start
    return result


async def open_loop(
    items: list[Any], rate: float, job: Callable[[Any], Awaitable[int]]
) -> PhaseResult:
    """Offer `rate` requests a second on a fixed schedule, whatever the answers' speed."""
    result, tasks = PhaseResult(), []
    start = time.perf_counter()

    async def one(item: Any) -> None:
        status = await job(item)
        result.done += 200 <= status < 300
        result.errors += not 200 <= status < 300

    for i, item in enumerate(items):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(item)))
    await asyncio.gather(*tasks)
    result.elapsed_s = time.perf_counter() - start
    return result


class Client:
    """The API and the sandbox's control endpoints, over one aiohttp session. Its users log in
    from a QR-code channel, so every code request, query and delivery is counted in its funnel
    (the path whose cost the bench shows)."""

    def __init__(self, session: aiohttp.ClientSession, api: str, sandbox: str) -> None:
        self.http, self.api, self.sandbox = session, api, sandbox
        self.channel = "bench-poster"
        self.tokens: list[str] = []
        self.sms_seen: list[dict[str, Any]] = []

    async def status(self, method: str, url: str, **kwargs: Any) -> int:
        try:
            async with self.http.request(method, url, **kwargs) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 599

    async def wait_ready(self, timeout_s: float) -> None:
        """Until /readyz says Redis and a worker are up, and every gunicorn worker has booted."""
        deadline = time.monotonic() + timeout_s
        while await self.status("GET", f"{self.api}/readyz") != 200:
            if time.monotonic() > deadline:
                raise TimeoutError("the stack never became ready")
            await asyncio.sleep(0.2)
        await asyncio.gather(*(self.status("GET", f"{self.api}/healthz") for _ in range(64)))

    async def put_person(self, person: Person) -> int:
        cards = [
            {
                "operator": random.choice(["cmcc", "cucc", "ctcc", "cbn", "vno1"]),
                "phone": person.phone,
                "status": "active",
            }
        ]
        return await self.status(
            "PUT",
            f"{self.sandbox}/_sandbox/people/{person.id_number}",
            json={"name": person.name, "cards": cards},
        )

    def admin(self) -> dict[str, str]:
        from app.config import SANDBOX_ADMIN_TOKENS

        return {"Authorization": f"Bearer {SANDBOX_ADMIN_TOKENS.split(':', 1)[1]}"}

    async def create_channel(self) -> int:
        body = {"id": self.channel, "name": "压测海报"}
        url = f"{self.api}/api/v1/admin/channels"
        return await self.status("POST", url, json=body, headers=self.admin())

    async def funnel_today(self) -> dict[str, int]:
        url = f"{self.api}/api/v1/admin/channels/{self.channel}/funnel?days=1"
        async with self.http.get(url, headers=self.admin()) as r:
            today: dict[str, int] = (await r.json())["days"][0]
            return today

    async def login(self, index: int) -> int:
        body = {"platform": "wechat", "code": f"bench{index}", "channel": self.channel}
        async with self.http.post(f"{self.api}/api/v1/sessions", json=body) as r:
            self.tokens.append((await r.json())["token"])
            return r.status

    def auth(self, person: Person) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[hash(person.phone) % len(self.tokens)]}"}

    async def request_code(self, person: Person) -> int:
        return await self.status(
            "POST",
            f"{self.api}/api/v1/verification-codes",
            json=person.form(),
            headers=self.auth(person),
        )

    async def submit(self, person: Person) -> int:
        person.submitted_at = time.time()
        try:
            async with self.http.post(
                f"{self.api}/api/v1/queries",
                json={**person.form(), "code": person.code},
                headers=self.auth(person),
            ) as response:
                if response.status == 202:
                    person.ticket = (await response.json())["ticket"]
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 599

    async def poll(self, person: Person) -> int:
        """The mini-program's status poll of the person's ticket."""
        url = f"{self.api}/api/v1/queries/{person.ticket}"
        return await self.status("GET", url, headers=self.auth(person))

    async def traffic(self) -> dict[str, dict[str, int]]:
        """The sandbox's counters: requests, queries and connections per emulated partner."""
        async with self.http.get(f"{self.sandbox}/_sandbox/traffic") as response:
            partners: dict[str, dict[str, int]] = (await response.json())["partners"]
            return partners

    async def all_sms(self) -> list[dict[str, Any]]:
        """Every SMS so far. Only the new ones cross the wire (the sandbox's `since` cursor): a
        poller asking for all of them twice a second would load the sandbox it measures."""
        url = f"{self.sandbox}/_sandbox/sms?since={len(self.sms_seen)}"
        async with self.http.get(url) as response:
            self.sms_seen += (await response.json())["messages"]
        return self.sms_seen
