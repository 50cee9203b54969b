"""Steps of the QR-code channels' tests: the admin API on the test client, QR images read back
with a maintained decoder (zxing-cpp), and the official account's scan events."""

from __future__ import annotations

import io
import secrets
from typing import Any

import zxingcpp
from PIL import Image

from app.config import SANDBOX_ADMIN_TOKENS
from tests.official_account.wechat import event_xml, post_plain, reply_of

ADMIN_TOKEN = SANDBOX_ADMIN_TOKENS.split(":", 1)[1]
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def new_channel_id(prefix: str = "ch") -> str:
    return f"{prefix}-{secrets.token_hex(5)}"


def create_channel(client: Any, channel_id: str | None = None, **body: Any) -> str:
    channel_id = channel_id or new_channel_id()
    payload = {"id": channel_id, "name": "朝阳分局宣传海报", **body}
    r = client.post("/api/v1/admin/channels", json=payload, headers=ADMIN)
    assert r.status_code == 201, r.get_json()
    return channel_id


def funnel(client: Any, channel_id: str, days: int = 1) -> dict[str, int]:
    r = client.get(f"/api/v1/admin/channels/{channel_id}/funnel?days={days}", headers=ADMIN)
    assert r.status_code == 200, r.get_json()
    today = r.get_json()["days"][0]
    return {k: v for k, v in today.items() if k != "date"}


def decoded(png: bytes) -> str:
    """What a QR image encodes, read by zxing-cpp; it must be a PNG holding exactly one code."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode, found
    return str(found[0].text)


def scan(client: Any, settings: Any, openid: str, scene: str, follower: bool, at: int) -> str:
    """WeChat's event for a scan of the official account's code; the reply's text."""
    event, key = ("SCAN", scene) if follower else ("subscribe", f"qrscene_{scene}")
    xml = event_xml(openid, event, key, at).replace(
        "</xml>", "<Ticket><![CDATA[gQsandbox]]></Ticket></xml>"
    )
    return str(reply_of(post_plain(client, settings, xml))["Content"])
