"""The H5 pages under /h5/, served by Flask on the same JSON API (issue 3).

docs/h5-and-catalogue.md describes the pages, the WeChat web OAuth and the session cookie.
"""

from __future__ import annotations

from flask import Flask

from app.h5.oauth import EXTENSION, WebOAuth
from app.h5.pages import blueprint


def init_app(app: Flask) -> None:
    """Register the H5 blueprint (pages, static files, WeChat web OAuth)."""
    from app.bootstrap import build_web_login  # bootstrap imports app.*

    app.extensions[EXTENSION] = WebOAuth(build_web_login(app.extensions["yzt"].settings))
    app.register_blueprint(blueprint)
