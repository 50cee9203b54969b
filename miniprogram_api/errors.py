"""The JSON error shape and the API's error handlers, over the one error table
(miniprogram_api/error_table.py)."""

from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from app.domain.errors import DomainError
from app.ports.state import StoreUnavailable
from miniprogram_api import error_table as table

log = logging.getLogger(__name__)


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "stable snake_case code"})
    message = ma.fields.String(required=True, metadata={"description": "中文提示"})
    fields_ = ma.fields.Dict(
        data_key="fields", keys=ma.fields.String(), values=ma.fields.List(ma.fields.String())
    )
    retry_after = ma.fields.Integer(metadata={"description": "seconds, on 429"})
    attempts_left = ma.fields.Integer(metadata={"description": "on code_mismatch"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


def documented_errors(blp: Any, *statuses: int) -> Any:
    """Declare the JSON error responses of a view in the OpenAPI document."""

    def decorate(view: Any) -> Any:
        documented = view
        for status in statuses:
            documented = blp.alt_response(status, schema=ErrorSchema, description="错误")(
                documented
            )
        # Keep the docs, drop the wrappers: each alt_response wrapper is one more call (and an
        # iscoroutinefunction check) on every request, for nothing but the OpenAPI document.
        view._apidoc = documented._apidoc
        return view

    return decorate


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify({"error": body})
    response.status_code = status
    if "retry_after" in body:
        response.headers["Retry-After"] = str(body["retry_after"])
    return response


def entry_response(entry: table.ErrorEntry, code: str | None = None) -> Response:
    """An error of the table; `code` names which check refused, where the table allows it."""
    return error_response(entry.status, code or entry.code, entry.message)


def handle_domain_error(error: DomainError) -> Response:
    return error_response(
        table.status_of(error),
        error.code,
        error.message,
        fields=getattr(error, "fields", None),
        retry_after=getattr(error, "retry_after", None),
        attempts_left=getattr(error, "attempts_left", None),
    )


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code, message = table.of_status(status).code, table.of_status(status).message
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or {}
    if "json" in messages and isinstance(messages["json"], dict):
        fields = {k: _translate(v) for k, v in messages["json"].items()}
        if "_schema" in fields:  # the body is JSON, but not an object
            return entry_response(table.NOT_A_JSON_OBJECT)
        return error_response(422, "invalid_fields", message, fields=fields)
    if status == 400 and "json" in messages:
        return entry_response(table.INVALID_JSON)
    return error_response(status, code, message, retry_after=data.get("retry_after"))


def handle_store_unavailable(error: StoreUnavailable) -> Response:
    log.error("state store unavailable", extra={"error": str(error)})
    return entry_response(table.STORE_UNAVAILABLE)


def handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error", extra={"error": type(error).__name__})
    return entry_response(table.of_status(500))


def _translate(messages: Any) -> list[str]:
    if isinstance(messages, dict):  # nested: flatten
        return [m for v in messages.values() for m in _translate(v)]
    if not isinstance(messages, list):
        return []
    return [table.FIELD_MESSAGES.get(str(m), str(m)) for m in messages]


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(StoreUnavailable, handle_store_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
