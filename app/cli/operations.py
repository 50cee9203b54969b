"""Operator commands: `flask --app wsgi audit tail`, `flask --app wsgi partners check`."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace

import aiohttp
import click
from flask.cli import AppGroup

from adapters.partners import PartnerClient
from app.config import Settings
from app.domain.providers import Partner
from app.ports.partners import PartnerRejected, PartnerUnavailable
from app.web.services import services
from app.wiring import files, outside

audit = AppGroup("audit", help="The audit stream: hashed identifiers, outcome classes, timings.")


@audit.command("tail")
@click.option("-n", "--count", default=20, show_default=True, help="How many events.")
def audit_tail(count: int) -> None:
    """Print the newest audit events as JSON lines, oldest first."""
    for event in services().audit.tail(count):
        click.echo(json.dumps(event, ensure_ascii=False, sort_keys=True))


partners = AppGroup("partners", help="The operators and companies of the provider registry.")


@partners.command("check")
def partners_check() -> None:
    """Ping every configured partner (signed) and say whether it answers, and how fast."""
    failures = asyncio.run(_check_all(services().settings))
    raise SystemExit(1 if failures else 0)


async def _check_all(settings: Settings) -> int:
    registry = files.registry(settings)
    async with aiohttp.ClientSession() as session:
        client = outside.partner_client(replace(settings, partner_attempts=1), session)
        results = await asyncio.gather(*(_ping(client, p) for p in registry.partners))
    for line, _ in results:
        click.echo(line)
    return sum(1 for _, ok in results if not ok)


async def _ping(client: PartnerClient, partner: Partner) -> tuple[str, bool]:
    start = time.perf_counter()
    try:
        await client.ping(partner)
        verdict, ok = "ok", True
    except (PartnerUnavailable, PartnerRejected) as exc:
        verdict, ok = f"FAILED ({exc})", False
    elapsed = (time.perf_counter() - start) * 1000
    return f"{partner.id:<10} {partner.name:<8} {verdict:<40} {elapsed:7.1f} ms", ok
