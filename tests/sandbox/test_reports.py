"""The sandbox operators' side of 非本人 reports: references they issued, the reports they get,
and their signed answers to the backend (docs/partner-protocol.md)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from adapters import partner_signing
from sandbox import SandboxSettings, create_app
from sandbox.state import REFERENCE_TTL_S, SandboxState
from tests.sandbox.conftest import LiveSandbox, partner_post, put_person

ID_A = "11010519491231002X"
PHONE = "13800138000"


def _reference(live: LiveSandbox, operator: str = "cmcc") -> str:
    body = {"id_number": ID_A, "name": "张三", "phone": PHONE}
    answer = partner_post(live, operator, "cards/query", body).json()
    return str(answer["reference"])


def _report(live: LiveSandbox, operator: str, reference: str, report: str, keep: Any = None):
    body = {"reference": reference, "report": report, "keep": keep if keep is not None else []}
    return partner_post(live, operator, "reports", body)


def test_a_report_naming_a_reference_it_issued_is_received_once(live: LiveSandbox) -> None:
    put_person(live, ID_A, "张三", [("cmcc", PHONE, "active")])
    reference = _reference(live)
    for _ in range(2):  # delivered again: not a second report
        response = _report(live, "cmcc", reference, "rep0001", ["8000"])
        assert (response.status_code, response.json()) == (200, {"received": True})
    listed = requests.get(live.url("/_sandbox/reports?operator=cmcc"), timeout=5).json()
    assert [(r["report"], r["operator"], r["keep"]) for r in listed["reports"]] == [
        ("rep0001", "cmcc", ["8000"])
    ]
    assert requests.get(live.url("/_sandbox/reports?operator=cucc"), timeout=5).json() == {
        "reports": []
    }


def test_unknown_or_another_operators_reference_is_refused(live: LiveSandbox) -> None:
    reference = _reference(live, "cucc")
    for operator, ref in (("cmcc", "cmcc-made-up"), ("cmcc", reference)):
        response = _report(live, operator, ref, "rep0002")
        assert (response.status_code, response.json()) == (404, {"error": "unknown_reference"})
    assert requests.get(live.url("/_sandbox/reports"), timeout=5).json() == {"reports": []}


def test_an_expired_reference_is_refused() -> None:
    state = SandboxState()
    reference = state.issue_reference("cmcc", ID_A, now=1000.0)
    assert state.reference_problem(reference, "cmcc", 1000.0 + REFERENCE_TTL_S - 1) == ""
    assert state.reference_problem(reference, "cmcc", 1000.0 + REFERENCE_TTL_S) == (
        "expired_reference"
    )
    state.issue_reference("cmcc", ID_A, now=1000.0 + REFERENCE_TTL_S)  # the old one is dropped
    assert state.reference_problem(reference, "cmcc", 1000.0) == "unknown_reference"


@pytest.mark.parametrize(
    "body",
    [
        {"report": "r1", "keep": []},
        {"reference": "x", "report": "r 1", "keep": []},
        {"reference": "x", "report": "r1", "keep": ["12345"]},
        {"reference": "x", "report": "r1", "keep": "8000"},
    ],
)
def test_a_malformed_report_is_a_400(live: LiveSandbox, body: dict[str, Any]) -> None:
    assert partner_post(live, "cmcc", "reports", body).status_code == 400


def test_reports_are_signed_calls_and_reset_forgets_them(live: LiveSandbox) -> None:
    reference = _reference(live)
    raw = json.dumps({"reference": reference, "report": "r9", "keep": []}).encode()
    response = requests.post(live.url("/partners/cmcc/v1/reports"), data=raw, timeout=5)
    assert response.status_code == 401
    assert _report(live, "cmcc", reference, "r9").status_code == 200
    assert requests.post(live.url("/_sandbox/reset"), timeout=5).status_code == 204
    assert requests.get(live.url("/_sandbox/reports"), timeout=5).json() == {"reports": []}
    assert _report(live, "cmcc", reference, "r10").status_code == 404


# --- the operators' answers, signed, at the backend -----------------------------------------


class Backend:
    """Stands for our API: records each call, answers what it is told to."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str], bytes]] = []
        self.status = 200
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                backend.calls.append((self.path, dict(self.headers.items()), body))
                self.send_response(backend.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    found = Backend()
    yield found
    found.server.shutdown()


@pytest.fixture(scope="module")
def answering(keys_dir: Path, backend: Backend) -> Iterator[LiveSandbox]:
    server = LiveSandbox(
        create_app(SandboxSettings(latency_ms=0, keys_dir=keys_dir, backend_url=backend.url))
    )
    server.start()
    yield server
    server.stop()


def test_the_operator_answers_signed_with_its_own_key(answering: LiveSandbox, backend: Backend):
    reference = _reference(answering, "vno1")
    assert _report(answering, "vno1", reference, "rep0003").status_code == 200
    backend.calls.clear()
    body = {"operator": "vno1", "answer": "closed", "count": 2}
    url = answering.url("/_sandbox/reports/rep0003/answer")
    assert requests.post(url, json=body, timeout=10).status_code == 204
    ((path, headers, raw),) = backend.calls
    assert path == "/partners/v1/reports/rep0003/answer"
    assert json.loads(raw) == {"answer": "closed", "count": 2}
    assert headers[partner_signing.HEADER_KEY_ID] == "vno1"
    verdict = partner_signing.verify(b"sandbox-secret-vno1", "POST", path, headers, raw)
    assert verdict.ok, verdict


def test_the_backends_refusal_is_relayed(answering: LiveSandbox, backend: Backend) -> None:
    reference = _reference(answering)
    assert _report(answering, "cmcc", reference, "rep0004").status_code == 200
    backend.status = 403
    try:
        url = answering.url("/_sandbox/reports/rep0004/answer")
        response = requests.post(url, json={"operator": "cmcc", "answer": "confirmed"}, timeout=10)
    finally:
        backend.status = 200
    assert response.status_code == 502 and response.json()["status"] == 403


def test_only_a_report_it_received_is_answered(answering: LiveSandbox) -> None:
    url = answering.url("/_sandbox/reports/never-sent/answer")
    response = requests.post(url, json={"operator": "cmcc", "answer": "confirmed"}, timeout=10)
    assert (response.status_code, response.json()) == (404, {"error": "unknown_report"})
    for bad in ({"operator": "nobody", "answer": "closed"}, {"operator": "cmcc", "answer": "x"}):
        assert requests.post(url, json=bad, timeout=10).status_code == 400
