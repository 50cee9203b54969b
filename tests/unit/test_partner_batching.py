"""The batch lane (adapters/partner_batching.py) against a scripted partner: sizes, the window,
answers matched by ref, per-query retries and failures, and a caller's deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from adapters.partner_batching import Item, Lane
from app.ports.partners import PartnerRejected, PartnerUnavailable


class Partner:
    """Answers each batch with `answer(item)` per query (None leaves the query out), or fails
    the whole request with `fail` (an exception), once per entry."""

    def __init__(self, answer: Callable[[Item], Item | None] | None = None) -> None:
        self.batches: list[list[Item]] = []
        self.answer = answer or (lambda item: {"echo": item["n"]})
        self.failures: list[Exception] = []

    async def send(self, items: list[Item]) -> dict[str, Item]:
        self.batches.append(items)
        await asyncio.sleep(0)
        if self.failures:
            raise self.failures.pop(0)
        answers = {}
        for item in items:
            answer = self.answer(item)
            if answer is not None:
                answers[item["ref"]] = {"ref": item["ref"], **answer}
        return answers

    @property
    def sizes(self) -> list[int]:
        return [len(batch) for batch in self.batches]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def ask_all(lane: Lane, count: int) -> list[Any]:
    return list(
        await asyncio.gather(*(lane.ask({"n": n}) for n in range(count)), return_exceptions=True)
    )


def test_queries_in_flight_share_a_request_up_to_the_size():
    partner = Partner()
    lane = Lane(partner.send, size=3, window_s=0.05, attempts=2)
    answers = run(ask_all(lane, 7))
    assert answers == [{"echo": n} for n in range(7)]  # each its own answer, ref removed
    assert partner.sizes == [3, 3, 1]


def test_the_window_closes_a_batch():
    partner = Partner()
    lane = Lane(partner.send, size=50, window_s=0.01, attempts=1)

    async def scenario() -> list[Any]:
        first = asyncio.gather(lane.ask({"n": 0}), lane.ask({"n": 1}))
        await asyncio.sleep(0.05)  # past the window: the first batch has left
        second = await lane.ask({"n": 2})
        return [*(await first), second]

    assert run(scenario()) == [{"echo": 0}, {"echo": 1}, {"echo": 2}]
    assert partner.sizes == [2, 1]


def test_each_query_gets_its_own_answer_whatever_the_order():
    partner = Partner()
    original = partner.send

    async def reversed_send(items: list[Item]) -> dict[str, Item]:
        answers = await original(items)
        return dict(reversed(list(answers.items())))

    lane = Lane(reversed_send, size=10, window_s=0.01, attempts=1)
    assert run(ask_all(lane, 5)) == [{"echo": n} for n in range(5)]


def test_a_refused_query_fails_alone_and_is_not_retried():
    partner = Partner(lambda item: {"error": "bad_request"} if item["n"] == 1 else {"ok": 1})
    lane = Lane(partner.send, size=10, window_s=0.01, attempts=3)
    answers = run(ask_all(lane, 3))
    assert answers[0] == answers[2] == {"ok": 1}
    assert isinstance(answers[1], PartnerRejected)
    assert partner.sizes == [3]


def test_an_unavailable_query_is_retried_alone_then_fails():
    partner = Partner(lambda item: {"error": "unavailable"} if item["n"] == 0 else {"ok": 1})
    lane = Lane(partner.send, size=10, window_s=0.01, attempts=3)
    answers = run(ask_all(lane, 3))
    assert isinstance(answers[0], PartnerUnavailable) and answers[1:] == [{"ok": 1}] * 2
    assert partner.sizes == [3, 1, 1]  # its own attempts: 3 in all


def test_a_query_the_partner_left_out_is_retried():
    seen: set[int] = set()

    def forgetful(item: Item) -> Item | None:
        if item["n"] == 2 and 2 not in seen:
            seen.add(2)
            return None
        return {"ok": item["n"]}

    partner = Partner(forgetful)
    lane = Lane(partner.send, size=10, window_s=0.01, attempts=2)
    assert run(ask_all(lane, 3)) == [{"ok": 0}, {"ok": 1}, {"ok": 2}]
    assert partner.sizes == [3, 1]


def test_a_failed_request_retries_each_of_its_queries_on_its_own_attempts():
    partner = Partner()
    partner.failures = [PartnerUnavailable("HTTP 500")]
    lane = Lane(partner.send, size=10, window_s=0.01, attempts=2)
    assert run(ask_all(lane, 4)) == [{"echo": n} for n in range(4)]
    assert sum(partner.sizes) == 8 and partner.sizes[0] == 4


def test_a_request_failing_every_attempt_fails_every_query():
    partner = Partner()
    partner.failures = [PartnerUnavailable("HTTP 500")] * 10
    lane = Lane(partner.send, size=10, window_s=0.01, attempts=2)
    answers = run(ask_all(lane, 3))
    assert all(isinstance(a, PartnerUnavailable) for a in answers)


def test_a_refused_request_fails_its_queries_without_retry():
    partner = Partner()
    partner.failures = [PartnerRejected("HTTP 403")]
    lane = Lane(partner.send, size=10, window_s=0.01, attempts=3)
    answers = run(ask_all(lane, 2))
    assert all(isinstance(a, PartnerRejected) for a in answers)
    assert partner.sizes == [2]


def test_a_caller_past_its_deadline_leaves_the_others_and_is_not_sent():
    partner = Partner()
    lane = Lane(partner.send, size=10, window_s=0.05, attempts=1)

    async def scenario() -> tuple[Any, Any]:
        async def impatient() -> Any:
            async with asyncio.timeout(0.01):  # gives up inside the window
                return await lane.ask({"n": 0})

        return await asyncio.gather(impatient(), lane.ask({"n": 1}), return_exceptions=True)

    late, patient = run(scenario())
    assert isinstance(late, TimeoutError) and patient == {"echo": 1}
    assert partner.batches == [[{"ref": "0", "n": 1}]]  # the late one was never sent


def test_the_observer_sees_each_batch_and_its_oldest_wait():
    seen: list[tuple[int, float]] = []
    partner = Partner()
    lane = Lane(partner.send, 10, 0.02, 1, on_batch=lambda n, wait: seen.append((n, wait)))
    run(ask_all(lane, 4))
    ((size, wait),) = seen
    assert size == 4 and 0.015 <= wait < 0.5  # the first query waited out the window


def test_sparse_queries_go_out_at_once_and_dense_ones_wait_for_company():
    partner, singles = Partner(), []

    async def single(item: Item) -> Item:
        singles.append(item["n"])
        return {"alone": item["n"]}

    lane = Lane(partner.send, size=10, window_s=0.01, attempts=1, single=single)

    async def scenario() -> list[Any]:
        answers = [await lane.ask({"n": 0})]  # a lane starts dense: this one waits the window
        for n in (1, 2, 3):  # then one query per 50 ms, 5 windows apart: each goes at once
            await asyncio.sleep(0.05)
            started = asyncio.get_running_loop().time()
            answers.append(await lane.ask({"n": n}))
            assert asyncio.get_running_loop().time() - started < 0.01  # no window paid
        await asyncio.sleep(0.05)  # quiet, then a burst
        answers += await asyncio.gather(*(lane.ask({"n": n}) for n in (4, 5, 6, 7, 8, 9)))
        return answers

    answers = run(scenario())
    assert answers[:4] == [{"echo": 0}, {"alone": 1}, {"alone": 2}, {"alone": 3}]
    assert singles == [1, 2, 3, 4]  # a burst starts sparse: its first goes alone
    assert partner.sizes == [1, 5]  # the rest of the burst shared one request
    assert answers[4:] == [{"alone": 4}] + [{"echo": n} for n in (5, 6, 7, 8, 9)]


@pytest.mark.parametrize("size", [2, 5])
def test_every_query_is_answered_exactly_once_under_many_batches(size: int):
    partner = Partner()
    lane = Lane(partner.send, size=size, window_s=0.001, attempts=1)
    answers = run(ask_all(lane, 101))
    assert answers == [{"echo": n} for n in range(101)]
    sent = [item["n"] for batch in partner.batches for item in batch]
    assert sorted(sent) == list(range(101))
