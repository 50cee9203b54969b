"""The H5 pages under /h5/, served by Flask on the same JSON API.

docs/h5-and-catalogue.md describes the pages, the WeChat web OAuth and the session cookie.
"""

from __future__ import annotations

from flask import Flask

from app.web.h5.pages import blueprint


def init_app(app: Flask) -> None:
    """Register the H5 blueprint (pages, static files, WeChat web OAuth)."""
    app.register_blueprint(blueprint)
