"""The platforms' QR-code APIs, each answering a real QR image of what it encodes.

- WeChat `POST /wxa/getwxacodeunlimit?access_token=` (the mini-program's token), as documented
  for getUnlimited: `scene` of 1-32 characters out of `0-9A-Za-z!#$&'()*+,/:;=?@-._~` (else
  40129, or 40169 when too long), `page` without a leading `/` (else 41030), `env_version`
  `release`, `trial` or `develop` (else 40097), and outside `release` a `check_path` that is not
  false refuses a page (41030: it is not released). The image is JPEG (PNG with `is_hyaline`).
  A real mini-program code is a round 小程序码 only WeChat reads; this one is a plain QR code
  of `weixin://sandbox-wxacode?appid=…&page=…&scene=…&env_version=…`, so a test can read it.
- WeChat `POST /cgi-bin/qrcode/create?access_token=` (the official account's token) with
  `QR_LIMIT_STR_SCENE` and `scene_str` of 1-64 characters (else 40009/40053): a permanent code.
  The same scene gets the same ticket again. `GET /cgi-bin/showqrcode?ticket=` answers the
  JPEG of its `url` (`http://weixin.qq.com/q/<…>`); an unknown ticket is 404.
- Alipay's gateway method `alipay.open.app.qrcode.create` (`url_param`, `query_param`,
  `describe`; a missing one is 40004 INVALID_PARAMETER): `qr_code_url` is an image on this
  sandbox (`/alipay-qr/<token>.jpg`) encoding
  `alipays://platformapi/startapp?appId=…&page=…&query=<query_param>`.

Control: `GET /_sandbox/wechat/qrcodes` lists the official account's permanent codes (ticket,
url, scene), for tests and for the scan simulation (sandbox/wechat_scan.py).
Faults on the partners `wechat` and `alipay` apply. Codes outlive a reset, as WeChat's do.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import segno
from aiohttp import web
from PIL import Image

from sandbox import alipay
from sandbox.common import (
    REQUEST_HOST,
    SETTINGS,
    emulate_partner,
    json_response,
    read_json_object,
)
from sandbox.notices import _token_error

PARTNER = "wechat"
ALIPAY_METHOD = "alipay.open.app.qrcode.create"
SCENE_CHARS = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+")
PAGE = re.compile(r"[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*")
ENV_VERSIONS = ("release", "trial", "develop")


@dataclass
class QrState:
    oa_by_scene: dict[str, dict[str, str]] = field(default_factory=dict)  # scene -> the code
    oa_by_ticket: dict[str, dict[str, str]] = field(default_factory=dict)
    alipay_images: dict[str, str] = field(default_factory=dict)  # token -> encoded text


QR = web.AppKey("qr_state", QrState)


def image(text: str, kind: str = "JPEG") -> bytes:
    png = io.BytesIO()
    segno.make_qr(text, error="m").save(png, kind="png", scale=8, border=4)
    if kind == "PNG":
        return png.getvalue()
    out = io.BytesIO()
    Image.open(io.BytesIO(png.getvalue())).convert("RGB").save(out, format="JPEG", quality=90)
    return out.getvalue()


def _errcode(code: int, message: str) -> web.Response:
    return json_response({"errcode": code, "errmsg": message})


def wxacode_error(body: dict[str, Any]) -> web.Response | None:
    scene, page = body.get("scene"), body.get("page")
    env = body.get("env_version", "release")
    if not isinstance(scene, str) or not SCENE_CHARS.fullmatch(scene):
        return _errcode(40129, "invalid scene")
    if len(scene) > 32:
        return _errcode(40169, "invalid length for scene, or the data is not json string")
    if env not in ENV_VERSIONS:
        return _errcode(40097, "invalid args")
    if page is not None and (not isinstance(page, str) or not PAGE.fullmatch(page)):
        return _errcode(41030, "invalid page")
    if page is not None and env != "release" and body.get("check_path", True) is not False:
        return _errcode(41030, "invalid page: not in the released version")
    return None


async def getwxacodeunlimit(request: web.Request) -> web.Response:
    injected = await emulate_partner(request, PARTNER)
    if injected is not None:
        return injected
    settings = request.app[SETTINGS]
    refused = _token_error(request, settings.wechat_mp_appid)
    if refused is not None:
        return refused
    body = await read_json_object(request)
    if body is None:
        return _errcode(47001, "data format error")
    error = wxacode_error(body)
    if error is not None:
        return error
    text = "weixin://sandbox-wxacode?" + urlencode(
        {
            "appid": settings.wechat_mp_appid,
            "page": body.get("page") or "",
            "scene": body["scene"],
            "env_version": body.get("env_version", "release"),
        }
    )
    kind = "PNG" if body.get("is_hyaline") is True else "JPEG"
    return web.Response(body=image(text, kind), content_type=f"image/{kind.lower()}")


async def qrcode_create(request: web.Request) -> web.Response:
    injected = await emulate_partner(request, PARTNER)
    if injected is not None:
        return injected
    refused = _token_error(request, request.app[SETTINGS].wechat_oa_appid)
    if refused is not None:
        return refused
    body = await read_json_object(request)
    if body is None:
        return _errcode(47001, "data format error")
    if body.get("action_name") != "QR_LIMIT_STR_SCENE":
        return _errcode(40009, "invalid action name (the sandbox makes permanent string scenes)")
    info = body.get("action_info")
    scene = info.get("scene", {}).get("scene_str") if isinstance(info, dict) else None
    if not isinstance(scene, str) or not 1 <= len(scene) <= 64:
        return _errcode(40053, "invalid scene_str")
    codes = request.app[QR]
    code = codes.oa_by_scene.get(scene)
    if code is None:
        ticket = "gQ" + secrets.token_urlsafe(40)
        url = "http://weixin.qq.com/q/" + secrets.token_urlsafe(16)
        code = {"ticket": ticket, "url": url, "scene": scene}
        codes.oa_by_scene[scene], codes.oa_by_ticket[ticket] = code, code
    return json_response({"ticket": code["ticket"], "url": code["url"]})


async def showqrcode(request: web.Request) -> web.Response:
    code = request.app[QR].oa_by_ticket.get(request.query.get("ticket", ""))
    if code is None:
        return web.Response(status=404, text="no such qrcode")
    return web.Response(body=image(code["url"]), content_type="image/jpeg")


def alipay_qrcode_create(app: web.Application, params: dict[str, str]) -> dict[str, Any]:
    biz = alipay.biz_content(params)
    wanted = [biz.get(name) for name in ("url_param", "query_param", "describe")]
    if not all(isinstance(value, str) and value for value in wanted):
        return {"code": alipay.BUSINESS_FAILED, "msg": "Business Failed",
                "sub_code": "INVALID_PARAMETER", "sub_msg": "参数有误"}  # fmt: skip
    text = "alipays://platformapi/startapp?" + urlencode(
        {"appId": app[SETTINGS].alipay_appid, "page": wanted[0], "query": wanted[1]}
    )
    token = secrets.token_urlsafe(16)
    app[QR].alipay_images[token] = text
    address = f"http://{REQUEST_HOST.get()}/alipay-qr/{token}.jpg"
    return {
        "code": "10000",
        "msg": "Success",
        "qr_code_url": address,
        "qr_code_url_circle_white": address,
        "qr_code_url_circle_blue": address,
    }


async def alipay_image(request: web.Request) -> web.Response:
    text = request.app[QR].alipay_images.get(request.match_info["token"])
    if text is None:
        return web.Response(status=404, text="no such image")
    return web.Response(body=image(text), content_type="image/jpeg")


async def list_codes(request: web.Request) -> web.Response:
    return json_response({"qrcodes": list(request.app[QR].oa_by_scene.values())})


def add_routes(app: web.Application) -> None:
    app[QR] = QrState()
    app.router.add_post("/wxa/getwxacodeunlimit", getwxacodeunlimit)
    app.router.add_post("/cgi-bin/qrcode/create", qrcode_create)
    app.router.add_get("/cgi-bin/showqrcode", showqrcode)
    app.router.add_get("/alipay-qr/{token}.jpg", alipay_image)
    app.router.add_get("/_sandbox/wechat/qrcodes", list_codes)
    app[alipay.METHODS][ALIPAY_METHOD] = alipay_qrcode_create
