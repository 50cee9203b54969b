"""Steps of a user's journey through /api/v1, on the Flask test client."""

from __future__ import annotations

import secrets
import time
from typing import Any

from tests.support import Sandbox, make_id, make_name, make_phone


def login(client: Any, platform: str = "wechat", code: str | None = None) -> str:
    r = client.post(
        "/api/v1/sessions", json={"platform": platform, "code": code or f"u{secrets.token_hex(6)}"}
    )
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["token"])


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def phone_cards_person(
    sandbox: Sandbox,
    status: str = "active",
    operator: str = "cmcc",
    extra_cards: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A person in the sandbox, and the form that asks about them."""
    id_number, name, phone = make_id(), make_name(), make_phone()
    cards = [{"operator": operator, "phone": phone, "status": status}, *(extra_cards or [])]
    sandbox.put_person(id_number, name, cards)
    return {
        "service": "phone_cards",
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "agree": True,
    }


def accounts_person(
    sandbox: Sandbox, counts: dict[str, int], status: str = "active", operator: str = "ctcc"
) -> dict[str, Any]:
    id_number, name, phone = make_id(), make_name(), make_phone()
    sandbox.put_person(id_number, name, [{"operator": operator, "phone": phone, "status": status}])
    sandbox.put_accounts(phone, counts)
    return {
        "service": "internet_accounts",
        "phone": phone,
        "id_last6": id_number[-6:],
        "agree": True,
    }


def request_code(client: Any, token: str, form: dict[str, Any], **kw: Any) -> Any:
    return client.post("/api/v1/verification-codes", json=form, headers=auth(token), **kw)


def submit(client: Any, token: str, form: dict[str, Any], code: str | None, **extra: Any) -> Any:
    body = {**form, **({} if code is None else {"code": code}), **extra}
    return client.post("/api/v1/queries", json=body, headers=auth(token))


def run_query(
    client: Any, sandbox: Sandbox, form: dict[str, Any], token: str | None = None
) -> tuple[str, dict[str, Any]]:
    """Code, submit, wait for the result SMS; returns (ticket, the result message)."""
    token = token or login(client)
    r = request_code(client, token, form)
    assert r.status_code == 202, r.get_json()
    before = len(sandbox.sms(form["phone"]))
    r = submit(client, token, form, sandbox.last_code(form["phone"]))
    assert r.status_code == 202, r.get_json()
    ticket = r.get_json()["ticket"]
    message = sandbox.wait_for_sms(form["phone"], before + 1)[-1]
    wait_status(client, token, ticket, "delivered")
    return ticket, message


def wait_status(client: Any, token: str, ticket: str, status: str, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        r = client.get(f"/api/v1/queries/{ticket}", headers=auth(token))
        if r.get_json().get("status") == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"ticket never reached {status}: {r.get_json()}")


def report(client: Any, token: str, ticket: str, operators: list[str], **extra: Any) -> Any:
    body = {"operators": operators, **extra}
    return client.post(f"/api/v1/queries/{ticket}/reports", json=body, headers=auth(token))


def wait_report(client: Any, token: str, report_id: str, status: str, timeout_s: float = 15) -> Any:
    """Until the report reads `status`; its body then."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/reports/{report_id}", headers=auth(token)).get_json()
        if body.get("status") == status:
            return body
        time.sleep(0.05)
    raise AssertionError(f"report never reached {status}: {body}")


def sms_of(sandbox: Sandbox, phone: str, template: str) -> list[dict[str, Any]]:
    return [m for m in sandbox.sms(phone) if m["template"] == template]


def wait_sms_of(
    sandbox: Sandbox, phone: str, template: str, count: int = 1, timeout_s: float = 20
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = sms_of(sandbox, phone, template)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(
        f"expected {count} {template} SMS, got {len(sms_of(sandbox, phone, template))}"
    )
