"""What gunicorn itself does, under the production config (gunicorn.conf.py): its access log holds
no identifier and no forged line, the errors it answers before the app are JSON, and two
instances on one host each keep their own control socket."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from gunicorn.ctl.client import ControlClient

from app.runtime.embedded_redis import free_port, wait_for_port
from app.runtime.stack import start_api
from tests.processes import LOGS, stop
from tests.support import make_id, make_name, make_phone


def start_gunicorn(stack_env: dict[str, str], var: Path, name: str) -> tuple[object, int, Path]:
    port = free_port()
    access = LOGS / f"gunicorn-{name}-access.log"
    env = {
        **stack_env,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        "GUNICORN_ACCESS_LOG": str(access),
        "VAR_DIR": str(var),
    }
    with open(LOGS / f"gunicorn-{name}.log", "ab") as log:
        process = start_api(env, stdout=log, stderr=log)
    wait_for_port(port, process)
    return process, port, access


@pytest.fixture(scope="module")
def gunicorns(stack_env, tmp_path_factory) -> Iterator[list[tuple[int, Path, Path]]]:
    var = tmp_path_factory.mktemp("var")
    started = [start_gunicorn(stack_env, var, name) for name in ("a", "b")]
    yield [(port, access, var / "run" / f"gunicorn-{port}.ctl") for _, port, access in started]
    for process, _, _ in started:
        stop(process)  # type: ignore[arg-type]


def raw_request(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def wait_for_lines(path: Path, needle: str, timeout_s: float = 5) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if needle in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} never reached {path.name}")


def test_the_access_log_masks_identifiers_and_cannot_be_forged(gunicorns):
    port, access, _ = gunicorns[0]
    phone, id_number, name = make_phone(), make_id(), make_name()
    paths = [
        f"/api/v1/queries/{phone}",
        f"/h5/queries/{id_number}",
        f"/api/v1/x/{quote(name)}",
        "/api/v1/x%0d%0a127.0.0.1%20%22GET%20/forged%22%20200",
        f"/api/v1/y/{quote(phone.translate(str.maketrans('0123456789', '０１２３４５６７８９')))}",
        "/h5/oauth/callback?code=abc123&state=deadbeef",
        "/the-end",
    ]
    for path in paths:
        requests.get(f"http://127.0.0.1:{port}{path}", timeout=5)
    text = wait_for_lines(access, "/the-end")
    for secret in (phone, id_number, name, quote(name), "abc123", "deadbeef"):
        assert secret not in text
    assert phone[3:7] not in text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    assert "/api/v1/y/１３" in text  # the full-width path was read as UTF-8, then masked
    assert not any(line.startswith('127.0.0.1 "GET /forged') for line in text.splitlines())
    assert "\\x0d\\x0a" in text  # the CR LF is kept, escaped, on its own line


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: 1\r\n" % i for i in range(80))
            + b"\r\n",
            431,
            "headers_too_large",
        ),
        (
            b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: x-evil\r\n\r\n",
            501,
            "unsupported_transfer_encoding",
        ),
        (b"GET /\x01 HTTP/1.1\r\n\r\n", 400, "bad_request"),
    ],
)
def test_errors_before_the_app_are_json(gunicorns, request_bytes, status, code):
    port, _, _ = gunicorns[0]
    answered, headers, body = raw_request(port, request_bytes)
    assert answered == status
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)["error"]
    assert error["code"] == code and error["message"]
    assert b"<html" not in body.lower()


def test_each_instance_has_its_own_control_socket(gunicorns):
    (port_a, _, socket_a), (port_b, _, socket_b) = gunicorns
    assert socket_a != socket_b and socket_a.exists() and socket_b.exists()
    for port, path in ((port_a, socket_a), (port_b, socket_b)):
        with ControlClient(str(path), timeout=5) as client:
            listeners = str(client.send_command("show listeners"))
        assert f":{port}" in listeners
