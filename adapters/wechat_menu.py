"""The custom menu (app/data/menu.yaml): read, checked against WeChat's limits, and turned into
the body of POST /cgi-bin/menu/create."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from app.config import ROOT, ConfigError, Settings
from notices.replies import CLICK_KEYS

MENU_FILE = ROOT / "app" / "data" / "menu.yaml"
MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5
MAX_NAME_BYTES, MAX_SUB_NAME_BYTES, MAX_KEY_BYTES, MAX_URL_BYTES = 16, 60, 128, 1024


def load_menu(settings: Settings, path: Path = MENU_FILE) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    buttons = data.get("button") if isinstance(data, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise ConfigError(f"{path.name}: `button` must list 1 to {MAX_BUTTONS} buttons")
    return {"button": [_top_button(button, settings) for button in buttons]}


def _top_button(button: Any, settings: Settings) -> dict[str, Any]:
    if not isinstance(button, dict) or "sub_button" not in button:
        return _leaf(button, settings, MAX_NAME_BYTES)
    subs = button["sub_button"]
    if not isinstance(subs, list) or not 1 <= len(subs) <= MAX_SUB_BUTTONS:
        raise ConfigError(f"menu: a sub_button list holds 1 to {MAX_SUB_BUTTONS} buttons")
    return {
        "name": _name(button, MAX_NAME_BYTES),
        "sub_button": [_leaf(sub, settings, MAX_SUB_NAME_BYTES) for sub in subs],
    }


def _leaf(button: Any, settings: Settings, max_name: int) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise ConfigError("menu: each button must be a mapping")
    name, kind = _name(button, max_name), button.get("type")
    if kind == "click":
        key = button.get("key")
        if key not in CLICK_KEYS or len(str(key).encode()) > MAX_KEY_BYTES:
            raise ConfigError(f"menu: {name}: key must be one of {', '.join(CLICK_KEYS)}")
        return {"type": "click", "name": name, "key": key}
    if kind == "view":
        return _view(name, button, settings)
    raise ConfigError(f"menu: {name}: type must be click or view")


def _view(name: str, button: dict[str, Any], settings: Settings) -> dict[str, Any]:
    url = str(button.get("url", "")).replace("{public_url}", settings.public_url.rstrip("/"))
    if not url.startswith(("https://", "http://")) or len(url.encode()) > MAX_URL_BYTES:
        raise ConfigError(f"menu: {name}: the url must be absolute (is PUBLIC_URL set?)")
    pagepath = settings.wechat_oa_menu_pagepath
    if button.get("miniprogram") is True and settings.wechat_mp_appid and pagepath:
        return {
            "type": "miniprogram",
            "name": name,
            "url": url,  # the fallback for clients that cannot open mini-programs
            "appid": settings.wechat_mp_appid,
            "pagepath": pagepath,
        }
    return {"type": "view", "name": name, "url": url}


def _name(button: dict[str, Any], max_bytes: int) -> str:
    name = button.get("name")
    if not isinstance(name, str) or not name or len(name.encode()) > max_bytes:
        raise ConfigError(f"menu: button names are 1 to {max_bytes} bytes, got {name!r}")
    return name
