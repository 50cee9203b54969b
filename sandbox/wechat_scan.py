"""A QR-code scan, as WeChat reports it to the official account's callback.

`POST /_sandbox/wechat/scan` with `{"scene": "<id>", "follower": false, "openid": "…"}`: a person
scans the permanent code whose scene is `<id>` (it must have been made with qrcode/create). A
new follower (`follower` false, the default) makes WeChat send `subscribe` with EventKey
`qrscene_<id>`; an existing one, `SCAN` with EventKey `<id>`. The event goes to the app's
callback (SANDBOX_OA_CALLBACK_URL, or PUBLIC_URL's, or http://127.0.0.1:$PORT's), signed in
plain mode with WECHAT_OA_TOKEN. The answer: `{"event", "status", "reply"}`, the reply being
the text the app answered (the welcome), or its raw body when it is not a text reply.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from typing import Any

import aiohttp
import xmltodict
from aiohttp import web

from sandbox.common import SETTINGS, json_response, read_json_object
from sandbox.qrcodes import QR

ACCOUNT = "gh_sandbox0000"  # the official account's original id, as WeChat names it
OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def signed_query(token: str) -> dict[str, str]:
    """WeChat's callback signature: sha1 of the sorted token, timestamp and nonce."""
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()  # noqa: S324 - WeChat's protocol
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def event_xml(openid: str, event: str, key: str, ticket: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey>"
        f"<Ticket><![CDATA[{ticket}]]></Ticket></xml>"
    )


def reply_text(body: str) -> str:
    try:
        parsed: Any = xmltodict.parse(body)
        return str(parsed["xml"]["Content"])
    except Exception:  # noqa: BLE001 - "success", or anything else the app answered
        return body


async def scan(request: web.Request) -> web.Response:
    body = await read_json_object(request) or {}
    code = request.app[QR].oa_by_scene.get(str(body.get("scene", "")))
    if code is None:
        return json_response({"error": "no permanent qrcode has this scene"}, status=404)
    openid = body.get("openid") or "sbx_scan" + secrets.token_hex(4)
    if not isinstance(openid, str) or not OPENID.fullmatch(openid):
        return json_response({"error": "openid must be [A-Za-z0-9_-]{1,64}"}, status=400)
    follower = body.get("follower") is True
    event, key = ("SCAN", code["scene"]) if follower else ("subscribe", "qrscene_" + code["scene"])
    settings = request.app[SETTINGS]
    timeout = aiohttp.ClientTimeout(total=10)
    async with (
        aiohttp.ClientSession(timeout=timeout) as http,
        http.post(
            settings.callback_url,
            params=signed_query(settings.wechat_oa_token),
            data=event_xml(openid, event, key, code["ticket"]).encode(),
            headers={"Content-Type": "text/xml"},
        ) as answer,
    ):
        text = await answer.text()
    return json_response({"event": event, "status": answer.status, "reply": reply_text(text)})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/_sandbox/wechat/scan", scan)
