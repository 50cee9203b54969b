"""While Redis is unreachable, endpoints that need it answer 503 `unavailable` within seconds."""

from __future__ import annotations

import time
from dataclasses import replace

from app.ports.identity import PlatformUser
from app.runtime.embedded_redis import free_port
from app.services.sessions import FrontEnd


def test_redis_down_is_a_fast_json_503(settings):
    from app import create_app

    dead = replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0", redis_timeout_s=1.0)
    app = create_app(dead)
    client = app.test_client()
    # Logging in takes the per-network login limit first: without Redis, a fast 503 too.
    start = time.monotonic()
    refused = client.post("/api/v1/sessions", json={"platform": "wechat", "code": "abc"})
    assert time.monotonic() - start < 5
    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "unavailable"
    # A session from before the outage still opens (tokens are stateless), then sees the 503.
    user = PlatformUser("wechat", "sbx_abc")
    token = app.extensions["yzt"].sessions.issue(user, FrontEnd.MINIPROGRAM)
    bearer = {"Authorization": f"Bearer {token}"}
    form = {
        "service": "phone_cards",
        "name": "张三",
        "id_number": "11010519491231002X",
        "phone": "13800138000",
        "agree": True,
    }
    requests_ = [
        ("post", "/api/v1/verification-codes", form, bearer),
        ("post", "/api/v1/queries", {**form, "code": "123456"}, bearer),
        ("get", "/api/v1/queries/abc", None, bearer),
    ]
    for method, path, body, headers in requests_:
        start = time.monotonic()
        r = getattr(client, method)(path, json=body, headers=headers)
        assert time.monotonic() - start < 5
        assert r.status_code == 503 and r.get_json()["error"]["code"] == "unavailable", path
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json() == {"redis": "down", "worker": "down"}
    assert client.get("/healthz").status_code == 200
