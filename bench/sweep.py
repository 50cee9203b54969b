"""`make bench-sweep`: gunicorn's worker class, processes and threads, chosen by measurement.

For each configuration, a fresh stack (bench/stack.py, partners at 50 ms) and three closed loops
of a few seconds each at 64 in flight: status polls (pure CPU: Redis and Python), code requests
and logins (each waits 50 ms on a partner: the SMS gateway, WeChat). For each, the rate, the
p50 and p99 latency, and the API's CPU per request. Few threads make the cheapest polls; the
waiting requests need enough threads to keep the cores busy while they wait. The table goes to
docs/scaling.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from bench.load import Client, Person, make_people
from bench.procstats import Sampler
from bench.report import percentile
from bench.stack import BenchStack

CONFIGS = (  # (worker class, processes, threads)
    ("gthread", 2, 1),
    ("gthread", 2, 2),
    ("gthread", 2, 4),
    ("gthread", 2, 8),
    ("gthread", 2, 16),
    ("gthread", 2, 32),
    ("gthread", 4, 4),
    ("gthread", 4, 8),
    ("sync", 4, 1),
    ("sync", 8, 1),
)


def say(message: str) -> None:
    print(f"[sweep {time.strftime('%H:%M:%S')}] {message}", flush=True)


async def timed_loop(
    seconds: float, concurrency: int, job: Callable[[int], Awaitable[int]]
) -> dict[str, float]:
    """Closed loop: `concurrency` callers, each starting its next call when one ends."""
    latencies: list[float] = []
    done, errors, counter = 0, 0, iter(range(10**9))
    deadline = time.perf_counter() + seconds

    async def caller() -> None:
        nonlocal done, errors
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            status = await job(next(counter))
            latencies.append(1000 * (time.perf_counter() - start))
            if 200 <= status < 300:
                done += 1
            else:
                errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return {
        "rps": round(done / elapsed, 1),
        "errors": errors,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }


async def measure(
    stack: BenchStack, sampler: Sampler, seconds: float, concurrency: int
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=30)
    ) as http:
        client = Client(http, stack.api, stack.sandbox)
        await client.wait_ready(60)
        people = make_people(20_000, seed=int(time.time()))
        await asyncio.gather(*(client.login(i) for i in range(16)))
        queried = people[:64]
        await asyncio.gather(*(client.request_code(p) for p in queried))
        codes = {m["phone"]: m["params"]["code"] for m in await client.all_sms()}
        for person in queried:
            person.code = codes.get(person.phone, "")
        await asyncio.gather(*(client.submit(p) for p in queried))
        tickets = [p for p in queried if p.ticket]
        rest = iter(people[64:])

        def next_person(_: int) -> Person:
            return next(rest)

        loops: dict[str, Callable[[int], Awaitable[int]]] = {
            "poll": lambda i: client.poll(tickets[i % len(tickets)]),
            "code": lambda i: client.request_code(next_person(i)),
            "login": lambda i: client.login(100_000 + i),
        }
        for name, job in loops.items():
            before = sampler.cpu_seconds()["api"]
            result = await timed_loop(seconds, concurrency, job)
            spent = sampler.cpu_seconds()["api"] - before
            served = result["rps"] * seconds
            result["api_cpu_ms"] = round(1000 * spent / served, 2) if served else float("nan")
            figures[name] = result
    return figures


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| worker class | processes × threads | polls/s | poll CPU ms | codes/s | code p99 ms "
        "| code CPU ms | logins/s | login p99 ms |\n| --- | --- | --- | --- | --- | --- | --- "
        "| --- | --- |"
    )
    lines = [head]
    for row in rows:
        poll, code, login = row["poll"], row["code"], row["login"]
        lines.append(
            f"| {row['worker_class']} | {row['processes']} × {row['threads']} | {poll['rps']:.0f} "
            f"| {poll['api_cpu_ms']:.2f} | {code['rps']:.0f} | {code['p99_ms']:.0f} "
            f"| {code['api_cpu_ms']:.2f} | {login['rps']:.0f} | {login['p99_ms']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--tiny", action="store_true", help="two configurations, one second")
    args = parser.parse_args(argv)
    # a kill (SIGTERM) unwinds like Ctrl-C, so the stack's processes are stopped, not orphaned
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    configs = CONFIGS[:2] if args.tiny else CONFIGS
    if args.tiny:
        args.seconds, args.concurrency = 1, 8
    rows = []
    for worker_class, processes, threads in configs:
        say(f"{worker_class}, {processes} processes × {threads} threads")
        with tempfile.TemporaryDirectory(prefix="yzt-sweep-") as workdir:
            stack = BenchStack(
                Path(workdir),
                args.latency_ms,
                web_workers=processes,
                worker_processes=1,
                worker_threads=8,
                web_threads=threads,
                web_worker_class=worker_class,
            )
            stack.start()
            sampler = Sampler(stack)
            try:
                figures = asyncio.run(measure(stack, sampler, args.seconds, args.concurrency))
            finally:
                stack.stop()
        row = {"worker_class": worker_class, "processes": processes, "threads": threads}
        rows.append({**row, **figures})
        say(json.dumps(rows[-1]))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"sweep-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print(table(rows), flush=True)
    print(f"[sweep] results: {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
