"""The funnel counted through the real path: the official account's scans, both mini-program
logins, H5 OAuth with `c=`, code requests, queries run by the real worker and their deliveries,
for a channel and for `unknown`; /metrics' totals; the report CLI on that data."""

from __future__ import annotations

import csv
import time

import pytest

from tests.integration.channel_steps import (
    ADMIN,
    create_channel,
    decoded,
    funnel,
    new_channel_id,
    scan,
)
from tests.integration.flows import (
    phone_cards_person,
    request_code,
    run_query,
)
from tests.integration.h5_steps import sign_in
from tests.official_account.wechat import event_xml, new_openid, post_plain

COUNTS = ("scans", "sessions", "code_requests", "queries", "delivered")


def wait_delivered(browser, ticket: str, timeout_s: float = 10) -> None:
    """The H5 session's own view of its ticket (the cookie, no bearer token)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if browser.get(f"/api/v1/queries/{ticket}").get_json().get("status") == "delivered":
            return
        time.sleep(0.05)
    raise AssertionError("the H5 ticket was never delivered")


def login_from(client, platform: str, channel: str) -> str:
    r = client.post(
        "/api/v1/sessions", json={"platform": platform, "code": new_openid(), "channel": channel}
    )
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["token"])


def scans(client, settings, channel: str, gone: str) -> None:
    """A new follower, an existing one, WeChat's retry of the first, and one from a poster
    whose channel was never created."""
    new, old, now = new_openid(), new_openid(), int(time.time())
    welcome = scan(client, settings, new, channel, follower=False, at=now)
    assert f"{settings.public_url}/h5/?c={channel}" in welcome
    assert f"/h5/?c={channel}" in scan(client, settings, old, channel, follower=True, at=now)
    retry = event_xml(new, "subscribe", f"qrscene_{channel}", now)
    retry = retry.replace("</xml>", "<Ticket><![CDATA[gQsandbox]]></Ticket></xml>")
    assert post_plain(client, settings, retry).get_data(as_text=True) == "success"
    assert f"/h5/?c={gone}" in scan(client, settings, new_openid(), gone, False, now)


def h5_query(flask_app, client, sandbox, settings, channel: str) -> None:
    """The H5 code's address through WeChat web OAuth, then a query from the cookie session,
    then a second code request the 24-hour quota refuses (no 202: not counted)."""
    browser = flask_app.test_client()
    page = decoded(client.get(f"/api/v1/admin/channels/{channel}/qrcodes/h5", headers=ADMIN).data)
    assert sign_in(browser, page.removeprefix(settings.public_url)).status_code == 200
    form = phone_cards_person(sandbox)
    assert browser.post("/api/v1/verification-codes", json=form).status_code == 202
    r = browser.post("/api/v1/queries", json={**form, "code": sandbox.last_code(form["phone"])})
    assert r.status_code == 202, r.get_json()
    wait_delivered(browser, r.get_json()["ticket"])
    assert browser.post("/api/v1/verification-codes", json=form).status_code == 429


@pytest.fixture(scope="module")
def campaign(flask_app, worker, sandbox, settings):
    """One channel's people, through every door, and what `unknown` counted meanwhile."""
    client = flask_app.test_client()
    channel, gone = create_channel(client, region="110105"), new_channel_id("gone")
    unknown_before = funnel(client, "unknown")
    scans(client, settings, channel, gone)
    for platform in ("wechat", "alipay"):  # both mini-programs, each to its delivery
        token = login_from(client, platform, channel)
        run_query(client, sandbox, phone_cards_person(sandbox), token)
    h5_query(flask_app, client, sandbox, settings, channel)
    # a poster whose channel does not exist: counted as unknown, all the way
    run_query(client, sandbox, phone_cards_person(sandbox), login_from(client, "wechat", gone))
    # a code whose query is never submitted: a code request, no query
    lost = phone_cards_person(sandbox)
    assert request_code(client, login_from(client, "alipay", channel), lost).status_code == 202
    return {"channel": channel, "unknown_before": unknown_before}


def test_the_channel_counts_every_step_once(client, campaign):
    assert funnel(client, campaign["channel"]) == {
        "scans": 2,  # the retry was answered once and counted once
        "sessions": 4,  # WeChat, Alipay, H5, and the Alipay login whose query never came
        "code_requests": 4,  # the refused one is not a 202
        "queries": 3,
        "delivered": 3,
    }


def test_unknown_channels_count_as_unknown(client, campaign):
    before, after = campaign["unknown_before"], funnel(client, "unknown")
    assert {k: after[k] - before[k] for k in COUNTS} == {
        "scans": 1, "sessions": 1, "code_requests": 1, "queries": 1, "delivered": 1,
    }  # fmt: skip


def test_a_malformed_channel_at_login_is_422(client):
    for channel in ("bad id", "x" * 33, "渠道", 7):
        r = client.post(
            "/api/v1/sessions", json={"platform": "wechat", "code": "c", "channel": channel}
        )
        assert r.status_code == 422 and "channel" in r.get_json()["error"]["fields"], channel


def test_a_session_without_a_channel_counts_nowhere(client, sandbox, campaign):
    before = funnel(client, campaign["channel"])
    token = client.post("/api/v1/sessions", json={"platform": "wechat", "code": new_openid()})
    run_query(client, sandbox, phone_cards_person(sandbox), token.get_json()["token"])
    assert funnel(client, campaign["channel"]) == before


def test_metrics_have_todays_totals_without_a_label_per_channel(client, settings, campaign):
    text = client.get(
        "/metrics", headers={"Authorization": f"Bearer {settings.metrics_token}"}
    ).get_data(as_text=True)
    lines = [line for line in text.splitlines() if line.startswith("yzt_channel_funnel_today{")]
    assert sorted(line.split('"')[1] for line in lines) == sorted(COUNTS)
    delivered = next(line for line in lines if '"delivered"' in line)
    assert float(delivered.rsplit(" ", 1)[1]) >= 4
    assert campaign["channel"] not in text


def test_the_report_cli_on_this_data(flask_app, campaign, tmp_path):
    result = flask_app.test_cli_runner().invoke(
        args=["channels", "report", "--days", "7", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith(campaign["channel"]))
    assert row.split()[1:6] == ["2", "4", "4", "3", "3"] and row.split()[6] == "75%"
    assert "unknown" in result.output
    (csv_path,), (png_path,) = tmp_path.glob("*.csv"), tmp_path.glob("*.png")
    with open(csv_path, encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if r["channel"] == campaign["channel"]]
    assert len(rows) == 7 and rows[-1]["delivered"] == "3" and rows[0]["delivered"] == "0"
    assert rows[-1]["name"] == "朝阳分局宣传海报"
    assert png_path.read_bytes().startswith(b"\x89PNG") and png_path.stat().st_size > 20_000


def test_channels_export_and_import(flask_app, client, campaign):
    runner = flask_app.test_cli_runner()
    exported = runner.invoke(args=["channels", "export"])
    assert exported.exit_code == 0 and f'"id": "{campaign["channel"]}"' in exported.output
    again = runner.invoke(args=["channels", "import"], input=exported.output)
    assert again.exit_code == 0 and "新建 0 个渠道" in again.output
    restored_id = new_channel_id("restored")
    line = f'{{"id": "{restored_id}", "name": "恢复的渠道", "region": null, "created_at": 1.5}}\n'
    restored = runner.invoke(args=["channels", "import"], input=line)
    assert restored.exit_code == 0 and "新建 1 个渠道" in restored.output
    listed = client.get("/api/v1/admin/channels", headers=ADMIN).get_json()["channels"]
    assert listed[0]["id"] == restored_id  # its own creation time: the oldest
    bad = runner.invoke(args=["channels", "import"], input='{"id": "x y"}\n')
    assert bad.exit_code != 0 and "第1行" in bad.output
