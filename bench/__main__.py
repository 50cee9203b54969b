"""`make bench`: start a stack, run the phases, write bench/results/, print the bench line.

Phases: baseline (GET /healthz), codes, submit (workers paused, which also
measures Redis memory per in-flight ticket), drain (the processing rate; with the submit rate
it gives the saturation rate), sustained (an offered rate of 70% of saturation for 30 s,
latency from submit to the result SMS at the sandbox).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.load import Client, Person, make_people, open_loop, run_for, run_pool
from bench.procstats import Sampler
from bench.profile import Profiles
from bench.report import percentile, write_report
from bench.stack import BenchStack, audit_durations_ms, redis_used_memory

ROUNDS = {"phone_cards": 1, "internet_accounts": 2}  # partner round trips per query


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def reached_gateway_at(message: dict[str, Any]) -> float:
    """When the SMS reached the sandbox gateway: the end of our work. The gateway's own emulated
    latency after that is a partner's floor, like a round's (the message's sent_at)."""
    return datetime.datetime.fromisoformat(message["received_at"]).timestamp()


def gateway_done_at(message: dict[str, Any]) -> float:
    return datetime.datetime.fromisoformat(message["sent_at"]).timestamp()


async def results_for(
    client: Client, people: list[Person], timeout_s: float
) -> dict[str, dict[str, Any]]:
    """Wait for every person's result SMS (or the timeout); phone -> the message."""
    wanted, deadline = {p.phone for p in people}, time.monotonic() + timeout_s
    while True:
        found = {
            m["phone"]: m
            for m in await client.all_sms()
            if not m["template"].startswith("code_") and m["phone"] in wanted
        }
        if len(found) >= len(wanted) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


async def run(args: argparse.Namespace, stack: BenchStack, sampler: Sampler) -> dict[str, Any]:
    figures: dict[str, Any] = {"latency_ms": args.latency_ms}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30)
    ) as http:
        client = Client(http, stack.api, stack.sandbox)
        await client.wait_ready(60)
        say(f"baseline: GET /healthz for {args.baseline_s} s")
        base = await run_for(
            args.baseline_s, args.concurrency, lambda: client.status("GET", f"{stack.api}/healthz")
        )
        figures["baseline_rps"] = base.rate
        people = make_people(args.submit_n + args.pool_n, seed=args.seed)
        say(f"setup: {len(people)} sandbox people")
        await run_pool(people, 64, client.put_person)
        profiles = Profiles(stack, args.profile) if args.profile else None
        if profiles:
            say(f"profiling the API and the workers with py-spy into {args.profile}")
            profiles.start()
        assert await client.create_channel() == 201
        journey: dict[str, dict[str, float]] = {}  # our CPU per step of a citizen's journey
        say(f"logins: {args.users} logins (WeChat jscode2session at the sandbox)")
        cpu_before = sampler.cpu_seconds()
        logins = await run_pool(list(range(args.users)), args.concurrency, client.login)
        journey["login"] = per_item_ms(cpu_before, sampler.cpu_seconds(), logins.done)
        figures["login_rps"], figures["login_statuses"] = logins.rate, logins.statuses
        say(f"codes: {len(people)} code requests")
        cpu_before = sampler.cpu_seconds()
        codes = await run_pool(people, args.concurrency, client.request_code)
        figures["code_rps"], figures["code_statuses"] = codes.rate, codes.statuses
        journey["code"] = per_item_ms(cpu_before, sampler.cpu_seconds(), codes.done)
        figures["cpu_ms_per_code_request_by_part"] = journey["code"]
        by_phone = {
            m["phone"]: m["params"]["code"]
            for m in await client.all_sms()
            if m["template"].startswith("code_")
        }
        for person in people:
            person.code = by_phone.get(person.phone, "")
        burst, pool = people[: args.submit_n], people[args.submit_n :]
        say(f"submit: {len(burst)} queries at full speed, workers paused")
        stack.pause_workers(True)
        memory_before = redis_used_memory(stack)
        cpu_before = sampler.cpu_seconds()
        submit = await run_pool(burst, args.concurrency, client.submit)
        journey["submit"] = per_item_ms(cpu_before, sampler.cpu_seconds(), submit.done)
        figures["redis_bytes_per_inflight_ticket"] = (
            redis_used_memory(stack) - memory_before
        ) / max(1, submit.done)
        figures["submit_rps"], figures["submit_statuses"] = submit.rate, submit.statuses
        figures["submit_ratio"] = submit.rate / base.rate
        say(f"polls: {2 * len(burst)} status polls, workers still paused")
        cpu_before = sampler.cpu_seconds()
        polls = await run_pool(burst + burst, args.concurrency, client.poll)
        journey["poll"] = per_item_ms(cpu_before, sampler.cpu_seconds(), polls.done)
        figures["poll_rps"], figures["poll_statuses"] = polls.rate, polls.statuses
        traffic_before = await client.traffic()
        cpu_before = sampler.cpu_seconds()
        stack.pause_workers(False)
        drain_start = time.time()
        drained = await results_for(client, burst, args.drain_timeout_s)
        # the workers' run of a query, the API idle: partners, the result SMS, the end
        journey["worker_run"] = per_item_ms(cpu_before, sampler.cpu_seconds(), len(drained))
        # a backlog is where batches form: every worker has queries in flight at once
        figures["partners_drain"] = partner_figures(traffic_before, await client.traffic(), {})
        last = max((reached_gateway_at(m) for m in drained.values()), default=drain_start)
        drain_rate = len(drained) / max(0.001, last - drain_start)
        # The API and the workers share the machine's cores, so a query's full cost is its
        # processing (the drain, API idle) plus its submit (workers paused): their rates add
        # like resistors in parallel. Offering 70% of the drain rate alone would overload it.
        saturation = 1 / (1 / max(0.001, drain_rate) + 1 / max(0.001, submit.rate))
        figures["drain_qps"], figures["saturation_qps"] = drain_rate, saturation
        rate = min(args.offered_qps or 0.7 * saturation, len(pool) / args.sustained_s)
        sustained = pool[: int(rate * args.sustained_s)]
        say(
            f"sustained: {rate:.0f} queries/s offered for {args.sustained_s} s "
            f"(the measured saturation: {saturation:.0f}/s)"
        )
        cpu_before = sampler.cpu_seconds()
        traffic_before = await client.traffic()
        run_start = time.time()
        offered = await open_loop(sustained, rate, client.submit)
        done = await results_for(client, sustained, args.drain_timeout_s)
        cpu_after = sampler.cpu_seconds()
        figures.update(sustained_figures(sustained, done, run_start, rate, args.latency_ms))
        figures["submit_errors_sustained"] = offered.errors
        completed = max(1, len(done))
        figures["cpu_ms_per_query"] = 1000 * (cpu_after["ours"] - cpu_before["ours"]) / completed
        figures["sandbox_cpu_ms_per_query"] = (
            1000 * (cpu_after["sandbox"] - cpu_before["sandbox"]) / completed
        )
        figures["cpu_ms_per_query_by_part"] = per_item_ms(cpu_before, cpu_after, completed)
        figures.update(journey_figures(journey))
        figures["timeline"] = timeline(sustained, done, run_start)
        figures["channel_funnel_today"] = await client.funnel_today()
        by_service, by_partner = audit_durations_ms(stack, run_start)
        figures["worker_duration_p50_ms"] = {
            service: percentile(durations, 50) for service, durations in by_service.items()
        }
        figures["partners"] = partner_figures(traffic_before, await client.traffic(), by_partner)
    if profiles:
        print(profiles.stop(), flush=True)
    return figures


def per_item_ms(before: dict[str, float], after: dict[str, float], items: int) -> dict[str, float]:
    """CPU milliseconds per item, by part of the stack, between two samples; "ours" is all but
    the sandbox (the partners' side)."""
    parts = ("ours", "api", "worker", "redis", "broker", "sandbox")
    return {part: round(1000 * (after[part] - before[part]) / max(1, items), 2) for part in parts}


def partner_figures(
    before: dict[str, dict[str, int]],
    after: dict[str, dict[str, int]],
    calls_ms: dict[str, list[float]],
) -> dict[str, dict[str, float]]:
    """Per partner, over a phase: requests and queries (their ratio is the mean
    batch), and a call's p50 and p99 as a query saw it, batch window included. Partners
    without a batch endpoint, asked one by one in the same run, are the window's baseline."""
    zero = {"requests": 0, "queries": 0}
    partners: dict[str, dict[str, float]] = {}
    for name in sorted(after):
        if not name.startswith("partners/"):
            continue
        partner = name.removeprefix("partners/")
        was, now = before.get(name, zero), after[name]
        sent, queries = now["requests"] - was["requests"], now["queries"] - was["queries"]
        calls = calls_ms.get(partner, [])
        partners[partner] = {
            "requests": sent,
            "queries": queries,
            "mean_batch": round(queries / sent, 2) if sent else 0.0,
            "call_p50_ms": percentile(calls, 50),
            "call_p99_ms": percentile(calls, 99),
        }
    return partners


JOURNEY = {"login": 1, "code": 1, "submit": 1, "poll": 2, "worker_run": 1}  # step: times


def journey_figures(steps: dict[str, dict[str, float]]) -> dict[str, Any]:
    """A citizen's whole journey: log in, ask for the code, submit, poll twice, and the workers'
    run. Each step was measured in its own phase, so each one's CPU is its own."""
    by_step = {step: round(times * steps[step]["ours"], 2) for step, times in JOURNEY.items()}
    parts = ("api", "worker", "redis", "broker")
    by_part = {
        part: round(sum(times * steps[step][part] for step, times in JOURNEY.items()), 2)
        for part in parts
    }
    return {
        "journey_cpu_ms": sum(by_step.values()),
        "journey_cpu_ms_by_step": by_step,
        "journey_cpu_ms_by_part": by_part,
        "journey_steps_cpu_ms": steps,
    }


def sustained_figures(
    people: list[Person], done: dict[str, dict[str, Any]], start: float, rate: float, floor_ms: int
) -> dict[str, Any]:
    """Latency from submit to the result SMS; overhead is that less the partners' floor."""
    latencies, overheads, to_gateway_answer = [], [], []
    for person in people:
        message = done.get(person.phone)
        if message:
            latency = 1000 * (reached_gateway_at(message) - person.submitted_at)
            latencies.append(latency)
            overheads.append(latency - ROUNDS[person.service] * floor_ms)
            to_gateway_answer.append(1000 * (gateway_done_at(message) - person.submitted_at))
    last = max((reached_gateway_at(m) for m in done.values()), default=start + 1)
    return {
        "offered_qps": rate,
        "sustained_queries": len(people),
        "completed_queries": len(done),
        "e2e_qps": len(done) / max(0.001, last - start),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p99_ms": percentile(latencies, 99),
        "latency_to_gateway_answer_p50_ms": percentile(to_gateway_answer, 50),
        "overhead_p50_ms": percentile(overheads, 50),
        "overhead_p99_ms": percentile(overheads, 99),
    }


def timeline(
    people: list[Person], done: dict[str, dict[str, Any]], start: float
) -> list[dict[str, float]]:
    """Per second of the sustained phase: queries completed and their p50 latency."""
    buckets: dict[int, list[float]] = {}
    submitted = {p.phone: p.submitted_at for p in people}
    for phone, message in done.items():
        at = reached_gateway_at(message)
        buckets.setdefault(int(at - start), []).append(1000 * (at - submitted[phone]))
    return [
        {"second": s, "completed": len(v), "latency_p50_ms": percentile(v, 50)}
        for s, v in sorted(buckets.items())
    ]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--baseline-s", type=float, default=10)
    parser.add_argument("--submit-n", type=int, default=1500)
    parser.add_argument("--pool-n", type=int, default=6000, help="people for the sustained phase")
    parser.add_argument("--sustained-s", type=float, default=30)
    parser.add_argument("--drain-timeout-s", type=float, default=90)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--users", type=int, default=1000, help="logins (each a platform user)")
    parser.add_argument("--web-workers", type=int, default=2)
    # one process with many threads: measured best on 2 cores (docs/scaling.md, "Worker layout")
    parser.add_argument("--worker-processes", type=int, default=1)
    parser.add_argument("--worker-threads", type=int, default=64)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--broker",
        default="",
        help="amqp://… to put the task queue on RabbitMQ (the production topology); "
        "default: Dramatiq's Redis broker on the bench's own Redis",
    )
    parser.add_argument(
        "--offered-qps", type=float, default=0, help="sustained rate (default: 70%% of saturation)"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument(
        "--batch-window-ms",
        type=float,
        default=None,
        help="PARTNER_BATCH_WINDOW_MS for the workers (default: the service's, 5)",
    )
    parser.add_argument(
        "--no-batch",
        action="store_true",
        help="PARTNER_BATCHING=0: every partner asked one query at a time (the A/B baseline)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="a directory: py-spy profiles of the API and the workers (perturbs the figures)",
    )
    parser.add_argument("--tiny", action="store_true", help="seconds, not minutes: a smoke run")
    args = parser.parse_args(argv)
    if args.tiny:
        args.baseline_s, args.submit_n, args.pool_n, args.sustained_s = 1, 30, 60, 3
        args.users, args.concurrency, args.drain_timeout_s = 4, 8, 30
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    # a kill (SIGTERM) unwinds like Ctrl-C, so the stack's processes are stopped, not orphaned
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="yzt-bench-") as workdir:
        stack = BenchStack(
            Path(workdir),
            args.latency_ms,
            args.web_workers,
            args.worker_processes,
            args.worker_threads,
            args.broker,
            batching=not args.no_batch,
            batch_window_ms=args.batch_window_ms,
        )
        say("starting the stack (own Redis, sandbox, gunicorn, Dramatiq)")
        stack.start()
        sampler = Sampler(stack)
        sampler.start()
        try:
            figures = asyncio.run(run(args, stack, sampler))
        finally:
            sampler.stop()
            stack.stop()
        figures["peak_rss_mb"] = sampler.peak_rss_mb()
    print(write_report(figures, args.out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
