"""一证通查 backend: the Flask application factory lives in app.web.factory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Any = None) -> Flask:
    from app.web.factory import create_app as _create_app

    return _create_app(config)
