"""The WeChat official account: callback at /wechat/official/callback, menu, replies (issue 3).

docs/official-account.md describes the protocol handling, the replies and the menu command.
"""

from __future__ import annotations

from flask import Flask

from app.official_account.cli import wechat_cli
from app.official_account.views import EXTENSION, blueprint


def init_app(app: Flask) -> None:
    """Register the callback blueprint and the `flask wechat` CLI group."""
    from app.bootstrap import build_official_account  # bootstrap imports this package

    app.extensions[EXTENSION] = build_official_account(app.extensions["yzt"])
    app.register_blueprint(blueprint)
    app.cli.add_command(wechat_cli)
