"""Catalogue endpoints (no login): /services, /guides, /guides/<product>, /hotlines (issue 3)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("catalogue", __name__, url_prefix="/api/v1", description="服务目录与解绑说明")
