"""Sentry: a real sentry_sdk client, in the API and in a Dramatiq worker, reports errors whose
locals, request, message and breadcrumbs hold a real form to a local HTTP endpoint that keeps
the envelopes. No identifier, code or token may survive, in any encoding; the report must
still say what failed."""

from __future__ import annotations

import gzip
import json
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import quote

import pytest

from app.config import ROOT
from tests.support import make_id, make_name, make_phone

PROBE = r"""
import json, logging, sys
from urllib.parse import quote

import dramatiq
import sentry_sdk
from dramatiq.brokers.stub import StubBroker
from flask import request

from app import create_app
from app.config import Settings
from app.domain.forms import parse_form

probe_input = json.loads(sys.stdin.read())  # not argv: Sentry reports sys.argv
form_data, code, token = probe_input["form"], probe_input["code"], probe_input["token"]
app = create_app(Settings.from_env())  # SENTRY_DSN is set: init_sentry runs here
assert sentry_sdk.get_client().is_active()
log = logging.getLogger("probe")


class ProbeError(RuntimeError):
    pass


def probe():
    data = request.get_json()
    form = parse_form(data)
    submitted_code = data["code"]
    log.warning("about to fail for %s", form.phone, extra={"person": form.name})
    raise ProbeError(f"no answer for {form.name} {form.id_number} {form.phone} {submitted_code}")


app.add_url_rule("/_probe", "probe", probe, methods=["POST"])
query = f"phone={form_data['phone']}&name={quote(form_data['name'])}&code={code}"
with app.test_client() as client:
    answer = client.post(
        f"/_probe?{query}",
        json={**form_data, "code": code},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 500, answer.status_code

broker = StubBroker()  # built after init: the integration added its middleware
broker.emit_after("process_boot")
dramatiq.set_broker(broker)


@dramatiq.actor(max_retries=0)
def failing(payload):
    form = parse_form(payload)
    raise ProbeError(f"worker failed for {form.phone} {form.name} {form.id_number}")


failing.send(form_data)
worker = dramatiq.Worker(broker, worker_timeout=50)
worker.start()
try:
    broker.join(failing.queue_name)
except Exception:
    pass
worker.join()
worker.stop()
sentry_sdk.flush(10)
sentry_sdk.get_client().close(timeout=10)
"""


class Envelopes(BaseHTTPRequestHandler):
    received: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def sentry_endpoint() -> Iterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []
    handler = type("Handler", (Envelopes,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://public@127.0.0.1:{server.server_address[1]}/1", received
    server.shutdown()


def events(envelopes: list[bytes]) -> list[dict[str, Any]]:
    found = []
    for envelope in envelopes:
        for line in envelope.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and "exception" in item:
                found.append(item)
    return found


def encodings(value: str) -> list[bytes]:
    return [value.encode(), quote(value).encode(), value.encode("unicode_escape")]


def test_reports_keep_what_failed_and_lose_who_it_was(stack_env, sentry_endpoint):
    dsn, received = sentry_endpoint
    name, id_number, phone = make_name(), make_id(), make_phone()
    form = {"service": "phone_cards", "name": name, "id_number": id_number, "phone": phone}
    form["agree"] = True  # type: ignore[assignment]
    code, token = f"{secrets.randbelow(10**6):06d}", secrets.token_urlsafe(24)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=json.dumps({"form": form, "code": code, "token": token}).encode(),
        env={**stack_env, "SENTRY_DSN": dsn},
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    reported = events(received)
    assert len(reported) >= 2, "expected the API's and the worker's error"
    types = {v["type"] for e in reported for v in e["exception"]["values"]}
    assert "ProbeError" in types
    frames = [
        f for e in reported for v in e["exception"]["values"] for f in v["stacktrace"]["frames"]
    ]
    assert {"probe", "failing"} <= {f["function"] for f in frames}
    assert any(f.get("vars") for f in frames)  # locals were sent, scrubbed
    blob = b"\n".join(received)
    leaks = [
        v for v in (name, id_number, phone, code, token) for form_ in encodings(v) if form_ in blob
    ]
    assert leaks == []
    assert f"{phone[:3]}****{phone[-4:]}".encode() in blob  # masked, still useful
