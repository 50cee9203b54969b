"""WeChat's official-account API as wechatpy 1.8.18 calls it: the custom menu.

`POST /cgi-bin/menu/create?access_token=…` accepts the menu only with the OA's current token
(the one /cgi-bin/token last issued), checks WeChat's limits, and records it.
Control: `GET /_sandbox/wechat/menu` (the menu last created) and `GET /_sandbox/wechat/tokens`
(how many tokens each appid was handed: the app must share one, not fetch one per process).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.common import SETTINGS, STATE, emulate_partner, json_response, read_json_object

PARTNER = "wechat"
OK = {"errcode": 0, "errmsg": "ok"}
INVALID_TOKEN = {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
BAD_DATA = {"errcode": 47001, "errmsg": "data format error"}
BUTTON_SIZE = {"errcode": 40016, "errmsg": "invalid button size"}
BUTTON_TYPE = {"errcode": 40017, "errmsg": "invalid button type"}
BUTTON_NAME = {"errcode": 40018, "errmsg": "invalid button name size"}
SUB_BUTTON_SIZE = {"errcode": 40023, "errmsg": "invalid sub button size"}
LEAF_FIELDS = {"click": ("key",), "view": ("url",), "miniprogram": ("url", "appid", "pagepath")}


def menu_error(menu: dict[str, Any]) -> dict[str, Any] | None:
    """WeChat's answer to a menu it refuses, or None when the menu is acceptable."""
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return BUTTON_SIZE
    for button in buttons:
        if not isinstance(button, dict):
            return BAD_DATA
        subs = button.get("sub_button")
        if subs is None:
            error = _leaf_error(button, max_name=16)
        elif not isinstance(subs, list) or not 1 <= len(subs) <= 5:
            error = SUB_BUTTON_SIZE
        else:
            error = _name_error(button, 16) or next(
                (e for sub in subs if (e := _leaf_error(sub, max_name=60))), None
            )
        if error:
            return error
    return None


def _name_error(button: dict[str, Any], max_bytes: int) -> dict[str, Any] | None:
    name = button.get("name")
    ok = isinstance(name, str) and 0 < len(name.encode()) <= max_bytes
    return None if ok else BUTTON_NAME


def _leaf_error(button: Any, max_name: int) -> dict[str, Any] | None:
    if not isinstance(button, dict):
        return BAD_DATA
    fields = LEAF_FIELDS.get(button.get("type", ""))
    if fields is None:
        return BUTTON_TYPE
    if not all(isinstance(button.get(f), str) and button[f] for f in fields):
        return BAD_DATA
    return _name_error(button, max_name)


async def create_menu(request: web.Request) -> web.Response:
    injected = await emulate_partner(request, PARTNER)
    if injected is not None:
        return injected
    oa_appid = request.app[SETTINGS].wechat_oa_appid
    if request.app[STATE].token_appid(request.query.get("access_token", "")) != oa_appid:
        return json_response(INVALID_TOKEN)
    menu = await read_json_object(request)
    if menu is None:
        return json_response(BAD_DATA)
    error = menu_error(menu)
    if error:
        return json_response(error)
    request.app[STATE].menus[oa_appid] = menu
    return json_response(OK)


async def get_menu(request: web.Request) -> web.Response:
    menu = request.app[STATE].menus.get(request.app[SETTINGS].wechat_oa_appid)
    return json_response({"menu": menu})


async def get_token_fetches(request: web.Request) -> web.Response:
    return json_response({"fetches": dict(request.app[STATE].token_fetches)})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/cgi-bin/menu/create", create_menu)
    app.router.add_get("/_sandbox/wechat/menu", get_menu)
    app.router.add_get("/_sandbox/wechat/tokens", get_token_fetches)
