"""While Redis is unreachable, endpoints that need it answer 503 `unavailable` within seconds."""

from __future__ import annotations

import time
from dataclasses import replace

from app.embedded_redis import free_port


def test_redis_down_is_a_fast_json_503(settings):
    from app import create_app

    dead = replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0", redis_timeout_s=1.0)
    client = create_app(dead).test_client()
    requests_ = [
        ("post", "/api/v1/sessions", {"platform": "wechat", "code": "abc"}, {}),
        (
            "post",
            "/api/v1/verification-codes",
            {"service": "phone_cards"},
            {"Authorization": "Bearer x"},
        ),
        ("get", "/api/v1/queries/abc", None, {"Authorization": "Bearer x"}),
    ]
    for method, path, body, headers in requests_:
        start = time.monotonic()
        r = getattr(client, method)(path, json=body, headers=headers)
        assert time.monotonic() - start < 5
        assert r.status_code == 503 and r.get_json()["error"]["code"] == "unavailable", path
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json() == {"redis": "down", "worker": "down"}
    assert client.get("/healthz").status_code == 200
