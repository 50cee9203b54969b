"""One adapter for every operator and internet company: the signed partner protocol over aiohttp.

Each partner is an entry of the registry (endpoint, key, batch size); adding a company needs no
code. One aiohttp.ClientSession per worker process is passed in. Failures become
PartnerUnavailable (retried with jittered backoff) or PartnerRejected (4xx, not retried).

A partner with a batch endpoint (`batch` in the registry) gets the queries in flight coalesced
into one request per short window (adapters/partner_batching.py); the others one at a time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import aiohttp
from yarl import URL

from adapters.partner_batching import Item, Lane
from adapters.partner_signing import signed_headers
from app.domain.forms import QueryForm
from app.domain.outcomes import CardsAnswer, OwnerAnswer
from app.domain.providers import Company, Operator, Partner
from app.ports.partners import PartnerRejected, PartnerUnavailable

log = logging.getLogger(__name__)
PHONE_STATUSES = ("active", "suspended", "cancelled", "none")
KEY_ID = "yzt"
CARDS, OWNER, ACCOUNTS = "/v1/cards/query", "/v1/owner/verify", "/v1/accounts/count"
BATCH = "/batch"  # a batch endpoint is its operation's path and this
BatchObserver = Callable[[str, int, float], None]  # partner, queries, the oldest one's wait
MAX_REFERENCE_CHARS = 128


class PartnerClient:
    """Implements the Operators and Platforms ports."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        endpoint_of: Callable[[Partner], str],
        secret_of: Callable[[Partner], bytes],
        timeout_s: float = 3.0,
        attempts: int = 3,
        batch_window_s: float | None = 0.005,
        observe_batch: BatchObserver | None = None,
    ) -> None:
        """batch_window_s: how long a query waits for others to share its batch request;
        None calls every partner one query at a time, whatever the registry says."""
        self._session = session
        self._endpoint_of = endpoint_of
        self._secret_of = secret_of
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._attempts = attempts
        self._window = batch_window_s
        self._observe_batch = observe_batch
        self._targets: dict[tuple[str, str], tuple[URL, str, bytes]] = {}
        self._lanes: dict[tuple[str, str], Lane] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def query_cards(self, operator: Operator, form: QueryForm) -> CardsAnswer:
        body = {"id_number": form.id_number, "name": form.name, "phone": form.phone}
        answer = await self._ask(operator, CARDS, body)
        try:
            cards = answer["cards"]
            in_service = [c for c in cards if c["status"] in ("active", "suspended")]
            status = answer["phone_status"]
            if status not in PHONE_STATUSES or len(in_service) != len(cards):
                raise ValueError("unexpected status")
            return CardsAnswer(len(in_service), status, _reference(answer.get("reference")))
        except (KeyError, TypeError, ValueError) as exc:
            raise PartnerUnavailable(f"{operator.id}: malformed answer ({exc})") from None

    async def verify_owner(self, operator: Operator, phone: str, id_last6: str) -> OwnerAnswer:
        answer = await self._ask(operator, OWNER, {"phone": phone, "id_last6": id_last6})
        status, match = answer.get("phone_status"), answer.get("id_last6_match")
        if status not in PHONE_STATUSES or not isinstance(match, bool):
            raise PartnerUnavailable(f"{operator.id}: malformed answer")
        return OwnerAnswer(phone_status=status, id_last6_match=match)

    async def count_accounts(self, company: Company, phone: str) -> dict[str, int]:
        products = [p.id for p in company.products]
        answer = await self._ask(company, ACCOUNTS, {"phone": phone, "products": products})
        counts = answer.get("counts")
        if not isinstance(counts, Mapping) or not all(
            isinstance(counts.get(p), int) and counts[p] >= 0 for p in products
        ):
            raise PartnerUnavailable(f"{company.id}: malformed answer")
        return {p: int(counts[p]) for p in products}

    async def forward_report(
        self, operator: Operator, reference: str, report_id: str, keep: Sequence[str]
    ) -> None:
        """A 非本人 report (docs/partner-protocol.md): a 4xx (an unknown or expired reference)
        is PartnerRejected and is not retried."""
        body = {"reference": reference, "report": report_id, "keep": list(keep)}
        answer = await self._call(operator, "/v1/reports", body)
        if answer.get("received") is not True:
            raise PartnerUnavailable(f"{operator.id}: unexpected report answer")

    async def ping(self, partner: Partner) -> None:
        """A signed no-op: proves the endpoint, the key and the clocks (`flask partners check`)."""
        answer = await self._call(partner, "/v1/ping", {})
        if answer.get("ok") is not True:
            raise PartnerUnavailable(f"{partner.id}: unexpected ping answer")

    async def _ask(self, partner: Partner, path: str, item: Item) -> Item:
        """One query's answer object: through the partner's batch lane, or a call of its own."""
        if self._window is None or partner.batch < 2:
            return await self._call(partner, path, item)
        return await self._lane(partner, path).ask(item)

    def _lane(self, partner: Partner, path: str) -> Lane:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # lanes hold timers and futures of one loop
            self._lanes, self._loop = {}, loop
        key = (partner.id, path)
        lane = self._lanes.get(key)
        if lane is None:
            observe = self._observe_batch

            async def send(items: list[Item]) -> dict[str, Item]:
                return await self._send_batch(partner, path, items)

            async def single(item: Item) -> Item:
                return await self._call(partner, path, item)

            lane = self._lanes[key] = Lane(
                send,
                size=partner.batch,
                window_s=self._window or 0.0,
                attempts=self._attempts,
                single=single,
                on_batch=(lambda n, wait: observe(partner.id, n, wait)) if observe else None,
            )
        return lane

    async def _send_batch(self, partner: Partner, path: str, items: list[Item]) -> dict[str, Item]:
        """One attempt of one batch request: the answers by ref. Retries are per query (Lane)."""
        answer = await self._call(partner, path + BATCH, {"queries": items}, attempts=1)
        answers = answer.get("answers")
        if not isinstance(answers, list):
            raise PartnerUnavailable(f"{partner.id}: malformed batch answer")
        return {
            a["ref"]: a for a in answers if isinstance(a, dict) and isinstance(a.get("ref"), str)
        }

    def _target(self, partner: Partner, path: str) -> tuple[URL, str, bytes]:
        """The URL (parsed once), the path that is signed, and the key: per partner and path."""
        key = (partner.id, path)
        if key not in self._targets:
            url = URL(self._endpoint_of(partner).rstrip("/") + path)
            self._targets[key] = (url, url.raw_path, self._secret_of(partner))
        return self._targets[key]

    async def _call(
        self, partner: Partner, path: str, payload: dict[str, Any], attempts: int = 0
    ) -> dict[str, Any]:
        url, signed_path, secret = self._target(partner, path)
        body = json.dumps(payload, ensure_ascii=False).encode()
        last_error = ""
        for attempt in range(attempts or self._attempts):
            if attempt:  # full jitter: retries from many workers don't arrive together
                await asyncio.sleep(random.uniform(0, 0.1 * 2**attempt))
            headers = signed_headers(KEY_ID, secret, "POST", signed_path, body)
            try:
                async with self._session.post(
                    url, data=body, headers=headers, timeout=self._timeout
                ) as response:
                    if 400 <= response.status < 500:
                        raise PartnerRejected(f"{partner.id}: HTTP {response.status}")
                    if response.status != 200:
                        last_error = f"HTTP {response.status}"
                        continue
                    answer = json.loads(await response.read())
                    if isinstance(answer, dict):
                        return answer
                    last_error = "answer is not an object"
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                last_error = type(exc).__name__
        log.warning("partner unavailable", extra={"partner": partner.id, "error": last_error})
        raise PartnerUnavailable(f"{partner.id}: {last_error}")


def _reference(raw: Any) -> str:
    """The operator's opaque reference to the query: a short printable string, else none (the
    count still stands; the operator just cannot be reported)."""
    if isinstance(raw, str) and 0 < len(raw) <= MAX_REFERENCE_CHARS and raw.isprintable():
        return raw
    return ""
