"""flask-smorest setup for /api/v1: the OpenAPI document, request guards, error shapes."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_smorest import Api

from miniprogram_api import error_table as table
from miniprogram_api.admin import blp as admin_blp
from miniprogram_api.catalogue import blp as catalogue_blp
from miniprogram_api.errors import ErrorSchema, entry_response, register_error_handlers
from miniprogram_api.json_bounds import bounds_problem
from miniprogram_api.views import blp

MAX_BODY_BYTES = 16 * 1024


class YztApi(Api):  # type: ignore[misc]  # flask-smorest's Api is untyped
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        register_error_handlers(self._app)


def guard_request() -> Response | None:
    """Refuse wrong content types and oversized bodies before any parsing."""
    if not request.path.startswith("/api/") or request.method not in ("POST", "PUT", "PATCH"):
        return None
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return entry_response(table.of_status(413))
    if request.mimetype != "application/json":
        return entry_response(table.of_status(415))
    if bounds_problem(request.get_data(cache=True)):  # nesting or numbers no form ever has
        return entry_response(table.INVALID_JSON)
    return None


def register_api(app: Flask) -> None:
    app.config.update(
        API_TITLE="一证通查 API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.before_request(guard_request)
    api = YztApi(
        app,
        spec_kwargs={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
        },
    )
    api.register_blueprint(blp)
    api.register_blueprint(catalogue_blp)
    api.register_blueprint(admin_blp)
