"""The H5 pages under /h5/, served by Flask on the same JSON API (issue 3)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the H5 blueprint (pages, static files, WeChat web OAuth)."""
