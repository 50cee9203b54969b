"""The WeChat official account: callback at /wechat/official/callback, menu, replies (issue 3).

docs/official-account.md describes the protocol handling, the replies and the menu command.
"""

from __future__ import annotations

import re

from flask import Flask

from app.config import ConfigError
from app.official_account.cli import wechat_cli
from app.official_account.views import EXTENSION, VERIFY_FILE, blueprint

# WeChat names the file MP_verify_<letters and digits>.txt and fills it with a short token
_VERIFY_FILE = re.compile(r"(MP_verify_[A-Za-z0-9]{1,64}\.txt):([A-Za-z0-9]{1,128})")


def init_app(app: Flask) -> None:
    """Register the callback blueprint and the `flask wechat` CLI group."""
    from app.bootstrap import build_official_account  # bootstrap imports this package

    ctx = app.extensions["yzt"]
    app.extensions[EXTENSION] = build_official_account(ctx)
    app.extensions[VERIFY_FILE] = verify_file(ctx.settings.wechat_web_verify_file)
    app.register_blueprint(blueprint)
    app.cli.add_command(wechat_cli)


def verify_file(setting: str) -> tuple[str, str] | None:
    """WECHAT_WEB_VERIFY_FILE, "MP_verify_<x>.txt:<content>", as (file name, content)."""
    if not setting:
        return None
    found = _VERIFY_FILE.fullmatch(setting.strip())
    if found is None:
        raise ConfigError("WECHAT_WEB_VERIFY_FILE must be MP_verify_<x>.txt:<content>")
    return found.group(1), found.group(2)
