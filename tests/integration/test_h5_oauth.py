"""The H5 pages' WeChat web OAuth, session cookie and security headers (Flask test client,
the sandbox's authorize page and code exchange over HTTP, the real Redis)."""

from __future__ import annotations

import re

import pytest

from app.services.sessions import FrontEnd
from app.web.h5.oauth import safe_next
from tests.integration.h5_steps import authorize, callback_path, set_cookie, sign_in, start

PAGES = ["/h5/", "/h5/phone-cards", "/h5/internet-accounts"]
PUBLIC_PAGES = ["/h5/guides", "/h5/guides/wechat", "/h5/hotlines"]


def test_no_session_goes_to_wechat_web_oauth_with_a_state(flask_app, settings, redis_client):
    client = flask_app.test_client()
    keys_before = set(redis_client.scan_iter("yzt:*"))
    location, params = start(client)
    assert location.startswith(f"{settings.wechat_oauth_base}/connect/oauth2/authorize?")
    assert location.endswith("#wechat_redirect")
    assert params["appid"] == settings.wechat_oa_appid
    assert params["redirect_uri"] == f"{settings.public_url}/h5/oauth/callback"
    assert (params["response_type"], params["scope"]) == ("code", "snsapi_base")
    assert re.fullmatch(r"[0-9a-f]{32}", params["state"])
    r = client.get("/h5/")
    cookie = set_cookie(r, "yzt_oauth_state")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/h5/oauth/callback" in cookie
    assert "Max-Age=600" in cookie
    # Kept in the browser, sealed: an anonymous request stores nothing on our side.
    assert params["state"] not in cookie and "/h5/" not in cookie.split(";")[0]
    assert set(redis_client.scan_iter("yzt:*")) - keys_before <= {
        k for k in redis_client.scan_iter("yzt:limit:*")
    }


def test_an_anonymous_flood_stores_nothing_and_a_long_page_is_not_kept(flask_app, redis_client):
    client = flask_app.test_client()
    before = redis_client.dbsize()
    for n in range(50):
        r = client.get("/h5/phone-cards?x=" + "a" * 3000 + str(n))
        assert r.status_code == 302
        assert len(set_cookie(r, "yzt_oauth_state")) < 400  # the page was too long: home
    assert redis_client.dbsize() - before <= 2  # nothing per request (a worker may write)


def test_the_callback_opens_a_session_the_pages_and_the_api_accept(flask_app):
    client = flask_app.test_client()
    assert client.get("/api/v1/queries/unknown-ticket").status_code == 401
    r = sign_in(client, "/h5/internet-accounts")
    assert r.status_code == 200
    session = set_cookie(r, "yzt_session")
    assert "HttpOnly" in session and "SameSite=Strict" in session and "Path=/" in session
    assert "yzt_oauth_state=;" in set_cookie(r, "yzt_oauth_state")  # the state is used up
    # A page, not a redirect: a Strict cookie would not ride a redirect chain from WeChat.
    page = r.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="0;url=/h5/internet-accounts">' in page
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v1/queries/unknown-ticket").status_code == 404  # authenticated
    token = client.get_cookie("yzt_session").value
    user = flask_app.extensions["yzt"].sessions.authenticate(token, FrontEnd.H5)
    assert user.platform == "wechat_oa" and user.user_id.startswith("sbx_")


def test_the_cookie_session_cannot_post_anything_but_json(flask_app):
    client = flask_app.test_client()
    sign_in(client)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        r = client.post(
            "/api/v1/verification-codes", data="service=phone_cards", content_type=content_type
        )
        assert r.status_code == 415, content_type
        assert r.get_json()["error"]["code"] == "unsupported_media_type"


def test_a_replayed_or_foreign_callback_is_refused_in_chinese(flask_app):
    client = flask_app.test_client()
    location, _ = start(client)
    callback = callback_path(authorize(location))
    assert client.get(callback).status_code == 200
    replay = client.get(callback)  # single use: the state is gone
    assert replay.status_code == 400
    assert "登录校验失败" in replay.get_data(as_text=True)
    assert replay.mimetype == "text/html"

    victim = flask_app.test_client()
    start(victim)  # the victim's own state cookie...
    attacker_location, _ = start(flask_app.test_client())
    foreign = victim.get(callback_path(authorize(attacker_location)))  # ...an attacker's state
    assert foreign.status_code == 400 and "登录校验失败" in foreign.get_data(as_text=True)
    no_cookie = flask_app.test_client().get(callback_path(authorize(start(victim)[0])))
    assert no_cookie.status_code == 400
    assert "yzt_session" not in str(foreign.headers) + str(no_cookie.headers)


def test_a_rejected_code_and_wechat_down_are_pages(flask_app, sandbox):
    client = flask_app.test_client()
    location, params = start(client)
    r = client.get(f"/h5/oauth/callback?code=bad-code&state={params['state']}")
    assert r.status_code == 400 and "微信登录失败" in r.get_data(as_text=True)
    sandbox.fault("wechat", "error")
    location, _ = start(client)
    r = client.get(callback_path(authorize(location)))
    assert r.status_code == 503 and "微信暂时无法登录" in r.get_data(as_text=True)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_pages_send_the_security_headers(flask_app, path):
    r = flask_app.test_client().get(path)  # guidance needs no login
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(flask_app):
    client = flask_app.test_client()
    sign_in(client)
    for path in PAGES + PUBLIC_PAGES:
        html = client.get(path).get_data(as_text=True)
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, path
        assert re.search(r"\s(style|on[a-z]+)=", html) is None, path
        assert "http://" not in html and "https://" not in html, path  # nothing from a CDN
    static = client.get("/h5/static/form.js")
    assert static.status_code == 200 and static.headers["X-Content-Type-Options"] == "nosniff"


def test_errors_on_pages_are_chinese_pages(flask_app):
    client = flask_app.test_client()
    r = client.get("/h5/guides/no-such-app")
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "页面不存在" in r.get_data(as_text=True)
    sign_in(client)
    r = client.get("/h5/queries/not-a-ticket")
    assert r.status_code == 404 and "未找到该查询" in r.get_data(as_text=True)
    assert client.post("/h5/guides").status_code == 405  # routing errors: the API's JSON shape


def test_only_our_own_pages_are_returned_to():
    assert safe_next("/h5/phone-cards?from=menu") == "/h5/phone-cards?from=menu"
    for hostile in ("//evil.example/h5/", "https://evil.example/", "/h5/..//evil", "/api/v1/x"):
        assert safe_next(hostile) == "/h5/"


def test_the_h5_cookie_is_no_bearer_token_and_a_bearer_token_no_cookie(flask_app):
    client = flask_app.test_client()
    sign_in(client)
    cookie_token = client.get_cookie("yzt_session").value
    as_bearer = flask_app.test_client().get(
        "/api/v1/queries/unknown-ticket", headers={"Authorization": f"Bearer {cookie_token}"}
    )
    assert as_bearer.status_code == 401
    bearer = flask_app.test_client().post(
        "/api/v1/sessions", json={"platform": "wechat", "code": "abc"}
    )
    as_cookie = flask_app.test_client()
    as_cookie.set_cookie("yzt_session", bearer.get_json()["token"])
    assert as_cookie.get("/api/v1/queries/unknown-ticket").status_code == 401
    assert as_cookie.get("/h5/").status_code == 302  # no session: back to WeChat
    assert client.get("/api/v1/queries/unknown-ticket").status_code == 404  # its own: fine
