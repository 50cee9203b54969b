"""Helpers shared by the integration and e2e tests: people, phones, the sandbox's control API."""

from __future__ import annotations

import random
import time
from typing import Any

import requests
from stdnum.cn import ric

# Every identifier a test makes is remembered, so the privacy test can look for it everywhere.
USED_IDENTIFIERS: set[str] = set()


def make_id(region: str = "110105", birth: str | None = None) -> str:
    birth = (
        birth
        or f"{random.randint(1950, 2004)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}"
    )
    body = f"{region}{birth}{random.randint(0, 999):03d}"
    number = body + ric.calc_check_digit(body + "0")
    USED_IDENTIFIERS.add(number)
    return number


def make_phone(prefix: str = "139") -> str:
    phone = prefix + f"{random.randint(0, 99_999_999):08d}"
    USED_IDENTIFIERS.add(phone)
    return phone


NAMES = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "欧阳娜娜", "阿卜杜·热合曼", "赵丽颖"]


def make_name() -> str:
    name = random.choice(NAMES) + random.choice(["", "明", "华", "芳"])
    USED_IDENTIFIERS.add(name)
    return name


class Sandbox:
    """The sandbox's control endpoints (api.md)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.http = requests.Session()

    def put_person(self, id_number: str, name: str, cards: list[dict[str, str]]) -> None:
        r = self.http.put(
            f"{self.url}/_sandbox/people/{id_number}",
            json={"name": name, "cards": cards},
            timeout=5,
        )
        assert r.status_code == 204, r.text

    def put_accounts(self, phone: str, counts: dict[str, int]) -> None:
        r = self.http.put(f"{self.url}/_sandbox/phones/{phone}/accounts", json=counts, timeout=5)
        assert r.status_code == 204, r.text

    def sms(self, phone: str) -> list[dict[str, Any]]:
        r = self.http.get(f"{self.url}/_sandbox/sms", params={"phone": phone}, timeout=5)
        assert r.status_code == 200, r.text
        return r.json()["messages"]

    def fault(
        self, partner: str, mode: str, latency_ms: int = 0, phones: list[str] | None = None
    ) -> None:
        """A fault of the partner; with phones, only the queries about those numbers fail."""
        body: dict[str, Any] = {"mode": mode, "latency_ms": latency_ms}
        if phones is not None:
            body["phones"] = phones
        r = self.http.put(f"{self.url}/_sandbox/faults/{partner}", json=body, timeout=5)
        assert r.status_code == 204, r.text

    def traffic(self) -> dict[str, dict[str, int]]:
        """Per emulated partner: requests, queries and client connections so far."""
        r = self.http.get(f"{self.url}/_sandbox/traffic", timeout=5)
        assert r.status_code == 200, r.text
        partners: dict[str, dict[str, int]] = r.json()["partners"]
        return partners

    def frequency(self, enabled: bool, **limits: int) -> None:
        """Each provider's per-number limits (off by default); `tencent_daily=10` overrides one."""
        named = {name.replace("_", ".", 1): value for name, value in limits.items()}
        r = self.http.put(
            f"{self.url}/_sandbox/sms/frequency",
            json={"enabled": enabled, "limits": named},
            timeout=5,
        )
        assert r.status_code == 204, r.text

    def refusals(self, phone: str) -> list[dict[str, Any]]:
        """The messages to this phone that a gateway refused (limits, templates), oldest first."""
        r = self.http.get(f"{self.url}/_sandbox/sms/refusals", params={"phone": phone}, timeout=5)
        assert r.status_code == 200, r.text
        return r.json()["refusals"]

    def reports(self, operator: str) -> list[dict[str, Any]]:
        """The 非本人 reports that operator received, oldest first."""
        r = self.http.get(f"{self.url}/_sandbox/reports", params={"operator": operator}, timeout=5)
        assert r.status_code == 200, r.text
        return r.json()["reports"]

    def answer_report(
        self, report: str, operator: str, answer: str, count: int | None = None
    ) -> None:
        """The operator answers, signed, at the backend; the backend took it."""
        body: dict[str, Any] = {"operator": operator, "answer": answer}
        if count is not None:
            body["count"] = count
        r = self.http.post(f"{self.url}/_sandbox/reports/{report}/answer", json=body, timeout=15)
        assert r.status_code == 204, r.text

    def wait_for_report(
        self, operator: str, report: str, timeout_s: float = 20.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [r for r in self.reports(operator) if r["report"] == report]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"{operator} never received report {report}")

    def clear_faults(self) -> None:
        assert self.http.delete(f"{self.url}/_sandbox/faults", timeout=5).status_code == 204

    def last_code(self, phone: str) -> str:
        codes = [m for m in self.sms(phone) if m["template"].startswith("code_")]
        assert codes, "no code SMS arrived"
        return str(codes[-1]["params"]["code"])

    def wait_for_sms(self, phone: str, count: int, timeout_s: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            messages = self.sms(phone)
            if len(messages) >= count:
                return messages
            time.sleep(0.05)
        raise AssertionError(f"expected {count} SMS, got {len(self.sms(phone))}")
