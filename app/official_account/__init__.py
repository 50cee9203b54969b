"""The WeChat official account: callback at /wechat/official/callback, menu, replies (issue 3)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the callback blueprint and the `flask wechat` CLI group."""
