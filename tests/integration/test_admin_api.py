"""The admin API (api.md, "Admin API") over the real app and Redis: who may call it, the
channels, their funnel's shape, and the audit trail."""

from __future__ import annotations

import pytest

from tests.integration.channel_steps import ADMIN, create_channel, new_channel_id
from tests.integration.flows import auth, login
from tests.integration.h5_steps import sign_in

PATHS = [
    ("post", "/api/v1/admin/channels"),
    ("get", "/api/v1/admin/channels"),
    ("get", "/api/v1/admin/channels/x/qrcodes/h5"),
    ("get", "/api/v1/admin/channels/x/funnel"),
]


def error_of(r, status: int) -> str:
    assert r.status_code == status, r.get_data(as_text=True)
    error = r.get_json()["error"]
    assert not error["message"].isascii()  # Chinese
    return str(error["code"])


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_without_an_admin_token_it_is_401_and_with_a_citizens_token_403(client, method, path):
    call = getattr(client, method)
    body = {"json": {"id": "x", "name": "n"}} if method == "post" else {}
    assert error_of(call(path, **body), 401) == "unauthenticated"
    for wrong in ("Bearer nope", "Basic " + ADMIN["Authorization"][7:], "Bearer "):
        assert error_of(call(path, headers={"Authorization": wrong}, **body), 401) == (
            "unauthenticated"
        )
    citizen = login(client)
    assert error_of(call(path, headers=auth(citizen), **body), 403) == "forbidden"


def test_the_h5_cookie_of_a_citizen_is_403(flask_app, client):
    browser = flask_app.test_client()
    sign_in(browser)
    assert error_of(browser.get("/api/v1/admin/channels"), 403) == "forbidden"


def test_create_and_list_channels(client):
    channel_id = new_channel_id()
    r = client.post(
        "/api/v1/admin/channels",
        json={"id": channel_id, "name": "朝阳分局宣传海报", "region": "110105"},
        headers=ADMIN,
    )
    assert r.status_code == 201
    created = r.get_json()
    assert created["id"] == channel_id and created["region"] == "110105"
    assert created["name"] == "朝阳分局宣传海报" and created["created_at"].endswith("+08:00")
    plain = create_channel(client)
    listed = {
        c["id"]: c
        for c in client.get("/api/v1/admin/channels", headers=ADMIN).get_json()["channels"]
    }
    assert listed[channel_id] == created and listed[plain]["region"] is None
    again = client.post(
        "/api/v1/admin/channels", json={"id": channel_id, "name": "另一个"}, headers=ADMIN
    )
    assert error_of(again, 409) == "conflict"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "bad id", "name": "n"}, "id"),
        ({"id": "x" * 33, "name": "n"}, "id"),
        ({"id": "unknown", "name": "n"}, "id"),
        ({"id": "ok-1", "name": "名" * 41}, "name"),
        ({"id": "ok-1", "name": ""}, "name"),
        ({"id": "ok-1", "name": "n", "region": "999999"}, "region"),
        ({"id": "ok-1", "name": "n", "colour": "red"}, "colour"),
        ({"name": "n"}, "id"),
        ({"id": 5, "name": "n"}, "id"),
    ],
)
def test_a_bad_channel_is_422_with_its_field(client, body, field):
    r = client.post("/api/v1/admin/channels", json=body, headers=ADMIN)
    assert error_of(r, 422) == "invalid_fields"
    assert field in r.get_json()["error"]["fields"]


def test_hostile_bodies_are_4xx(client):
    path = "/api/v1/admin/channels"
    assert (
        client.post(path, data="{", content_type="application/json", headers=ADMIN).status_code
        == 400
    )
    assert (
        client.post(path, data="id=x", content_type="text/plain", headers=ADMIN).status_code == 415
    )
    assert client.post(path, json=[1], headers=ADMIN).status_code == 400
    assert client.delete(path, headers=ADMIN).status_code == 405


def test_the_funnel_has_a_day_per_day_newest_first_zeros_included(client):
    channel_id = create_channel(client)
    r = client.get(f"/api/v1/admin/channels/{channel_id}/funnel", headers=ADMIN)
    days = r.get_json()["days"]
    assert r.get_json()["channel"] == channel_id and len(days) == 30  # the default
    assert [d["date"] for d in days] == sorted((d["date"] for d in days), reverse=True)
    assert days[0] == {"date": days[0]["date"], "scans": 0, "sessions": 0, "code_requests": 0,
                       "queries": 0, "delivered": 0}  # fmt: skip
    assert (
        len(
            client.get(
                f"/api/v1/admin/channels/{channel_id}/funnel?days=400", headers=ADMIN
            ).get_json()["days"]
        )
        == 400
    )
    unknown = client.get("/api/v1/admin/channels/unknown/funnel?days=2", headers=ADMIN)
    assert unknown.status_code == 200 and unknown.get_json()["channel"] == "unknown"
    for days_arg in ("0", "401", "abc", "1.5"):
        r = client.get(f"/api/v1/admin/channels/{channel_id}/funnel?days={days_arg}", headers=ADMIN)
        assert error_of(r, 422) == "invalid_fields", days_arg
    r = client.get("/api/v1/admin/channels/no-such-channel/funnel", headers=ADMIN)
    assert error_of(r, 404) == "not_found"


def test_every_admin_call_is_audited_with_the_tokens_name(flask_app, client):
    channel_id = create_channel(client)
    client.get(f"/api/v1/admin/channels/{channel_id}/funnel?days=1", headers=ADMIN)
    client.get("/api/v1/admin/channels/nope/funnel", headers=ADMIN)
    events = [e for e in flask_app.extensions["yzt"].audit.tail(20) if e.get("kind") == "admin"]
    assert [(e["admin"], e["action"], e["target"], e["status"]) for e in events[-3:]] == [
        ("sandbox-admin", "POST admin.Channels", "/api/v1/admin/channels", "201"),
        ("sandbox-admin", "GET admin.Funnel", f"/api/v1/admin/channels/{channel_id}/funnel", "200"),
        ("sandbox-admin", "GET admin.Funnel", "/api/v1/admin/channels/nope/funnel", "404"),
    ]
    before = len(flask_app.extensions["yzt"].audit.tail(10_000))
    client.get("/api/v1/admin/channels")  # refused: logged, not audited (no flood of the stream)
    assert len(flask_app.extensions["yzt"].audit.tail(10_000)) == before


def test_the_admin_api_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    qr = paths["/api/v1/admin/channels/{channel_id}/qrcodes/{kind}"]["get"]
    assert "image/png" in qr["responses"]["200"]["content"]
    assert {"401", "403", "404", "503"} <= set(qr["responses"])
    assert {"201", "401", "403", "409", "422"} <= set(
        paths["/api/v1/admin/channels"]["post"]["responses"]
    )
    assert (
        "channel"
        in client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Login"][
            "properties"
        ]
    )
